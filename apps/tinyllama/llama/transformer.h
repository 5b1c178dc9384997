/* The forward pass: one token at one position in, the logits over the vocabulary out. */
#ifndef LLAMA_TRANSFORMER_H
#define LLAMA_TRANSFORMER_H

#include "checkpoint.h"

/* Activations and the key/value cache, all in the kernel heap. */
struct llama_state {
    float *x;      /* [dim] the residual stream */
    float *xb;     /* [dim] */
    float *xb2;    /* [dim] */
    float *hb;     /* [hidden_dim] */
    float *hb2;    /* [hidden_dim] */
    float *q;      /* [dim] */
    float *att;    /* [n_heads][seq_len] */
    float *logits; /* [vocab_size] */
    float *key_cache;   /* [layer][seq_len][kv_dim] */
    float *value_cache; /* [layer][seq_len][kv_dim] */
    struct llama_q8_activation xq; /* q8 models only: the matmul's input, quantised */
};

struct llama_model {
    struct llama_config config;
    struct llama_weights weights;
    struct llama_state state;
};

/* Allocates the state for model->config; 0, or -1 when the heap is too small (nothing kept). */
int llama_state_alloc(struct llama_model *model);
void llama_state_free(struct llama_model *model);

/* Runs `token` at `pos` (0 <= pos < seq_len, earlier positions already run); returns the logits. */
float *llama_forward(struct llama_model *model, int token, int pos);

#endif
