/* Multi-head causal attention over the key/value cache, with grouped-query heads. */
#ifndef LLAMA_ATTENTION_H
#define LLAMA_ATTENTION_H

#include "checkpoint.h"

/*
 * out[dim] = for each head h: softmax(q_h . k_t / sqrt(head_size), t <= pos) weighted sum of v_t,
 * where query head h reads key/value head h / (n_heads / n_kv_heads). key_cache and value_cache
 * point at this layer's [seq_len][kv_dim] rows; att is scratch of n_heads * seq_len floats.
 */
void llama_attention(const struct llama_config *c, const float *q, const float *key_cache,
                     const float *value_cache, float *att, float *out, int pos);
/* Its tier site (llama/ops_tiers.c), as ops.h's: when set, llama_attention calls it. */
extern void (*llama_attention_site)(const struct llama_config *, const float *, const float *,
                                    const float *, float *, float *, int);

#endif
