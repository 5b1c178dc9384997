/*
 * Choosing the next token from the logits, as llama2.c's run.c does: temperature 0 is argmax;
 * otherwise softmax(logits / temperature), then top-p (nucleus) sampling when 0 < topp < 1, else
 * plain multinomial sampling, with run.c's xorshift generator.
 */
#ifndef LLAMA_SAMPLER_H
#define LLAMA_SAMPLER_H

#include <stdint.h>

struct llama_prob_index {
    float prob;
    int index;
};

struct llama_sampler {
    int vocab_size;
    float temperature;
    float topp;
    uint64_t rng_state;
    struct llama_prob_index *candidates; /* [vocab_size], scratch for top-p */
};

/* 0, or -1 when the heap is too small. */
int llama_sampler_init(struct llama_sampler *s, int vocab_size, float temperature, float topp,
                       uint64_t seed);
void llama_sampler_free(struct llama_sampler *s);

/* Overwrites logits when temperature > 0. */
int llama_sample(struct llama_sampler *s, float *logits);

uint32_t llama_random_u32(uint64_t *state);
/* Uniform in [0, 1), 24 random bits. */
float llama_random_f32(uint64_t *state);

#endif
