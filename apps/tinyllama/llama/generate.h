/* The generation loop of llama2.c's run.c, with what the LLAMA lines report. */
#ifndef LLAMA_GENERATE_H
#define LLAMA_GENERATE_H

#include <stdint.h>
#include "sampler.h"
#include "tokenizer.h"
#include "transformer.h"

struct llama_generation {
    int *sampled;     /* the sampled token ids (prompt tokens are not sampled) */
    int n_sampled;
    int positions;    /* forward passes run */
    char *text;       /* what run.c prints: the decoded pieces after BOS, NUL-terminated */
    uint32_t text_len;
    uint64_t cycles;  /* rdtsc over the whole loop */
};

/*
 * Encodes the prompt, then for each position up to `steps` (capped at seq_len) runs the model,
 * forcing the prompt's tokens and sampling the rest, until a sampled BOS. Returns 0, or -1 when
 * the heap is too small; free the result with llama_generation_free.
 */
int llama_generate(struct llama_model *model, const struct llama_tokenizer *tok,
                   struct llama_sampler *sampler, const char *prompt, int steps,
                   struct llama_generation *out);
void llama_generation_free(struct llama_generation *g);

#endif
