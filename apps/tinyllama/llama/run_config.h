/*
 * LLAMA.CFG, the run parameters: one key=value per line, '#' starts a comment line. Keys:
 * prompt (the rest of the line, verbatim), steps, temperature, topp, seed, matmul
 * (auto|scalar|sse2|avx2); and what the model is, for the console: name, weights
 * (trained|random). Missing keys keep run.c's defaults (seed: 42). docs/llama.md.
 */
#ifndef LLAMA_RUN_CONFIG_H
#define LLAMA_RUN_CONFIG_H

#include <stdint.h>

#define LLAMA_PROMPT_MAX 256
#define LLAMA_NAME_MAX 64

struct llama_run_config {
    char prompt[LLAMA_PROMPT_MAX];
    int steps;         /* positions to run, prompt included; 0 or above seq_len means seq_len */
    float temperature; /* 0: greedy */
    float topp;        /* top-p sampling when in (0, 1) */
    uint64_t seed;     /* xorshift state; 0 would stay 0, so it is replaced by 42 */
    char matmul[8];
    char name[LLAMA_NAME_MAX]; /* the model's name; empty when the file does not say */
    char weights[8];           /* "trained", "random", or empty when the file does not say */
};

void llama_run_config_defaults(struct llama_run_config *cfg);
/*
 * Applies the lines of text (len bytes, need not be terminated). Prints a line for each one it
 * ignores; returns how many it ignored.
 */
int llama_run_config_parse(struct llama_run_config *cfg, const char *text, uint32_t len);

/* Parses [-]digits[.digits] (at most 9 digits); 0 on success. */
int llama_parse_decimal(const char *s, float *out);

#endif
