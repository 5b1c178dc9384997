/* The llama2.c checkpoint format: a 7-int32 header, then float32 weights in run.c's order. */
#ifndef LLAMA_CHECKPOINT_H
#define LLAMA_CHECKPOINT_H

#include <stdint.h>
#include "quant.h"

struct llama_config {
    int dim;        /* embedding width */
    int hidden_dim; /* feed-forward width */
    int n_layers;
    int n_heads;
    int n_kv_heads; /* fewer than n_heads: grouped-query attention */
    int vocab_size; /* always positive here; the file's sign says where the classifier is */
    int seq_len;
    int shared_classifier;
};

/* Pointers into the checkpoint bytes; matrices are row-major, [out][in]. */
struct llama_weights {
    const float *token_embedding; /* [vocab][dim] */
    const float *rms_att;         /* [layer][dim] */
    const float *wq;              /* [layer][dim][dim] */
    const float *wk;              /* [layer][kv_dim][dim] */
    const float *wv;              /* [layer][kv_dim][dim] */
    const float *wo;              /* [layer][dim][dim] */
    const float *rms_ffn;         /* [layer][dim] */
    const float *w1;              /* [layer][hidden][dim] */
    const float *w2;              /* [layer][dim][hidden] */
    const float *w3;              /* [layer][hidden][dim] */
    const float *rms_final;       /* [dim] */
    const float *wcls;            /* [vocab][dim] */
    /* A q8 checkpoint: the matrices above are NULL (the norms stay float32) and these hold them. */
    struct llama_q8_matrices q8;
};

/*
 * Checks the header and the file size, and points `w` into `data` (which must stay allocated and
 * be 4-byte aligned): a float32 llama2.c checkpoint, or a q8 one (quant.h) when it starts with
 * the q8 magic. Returns 0, or -1 with *why set.
 */
int llama_checkpoint_map(const void *data, uint32_t size, struct llama_config *c,
                         struct llama_weights *w, const char **why);

/* The shape from the seven header ints (a negative vocabulary: a separate classifier); 0, or -1
 * with *why set when out of range or impossible. */
int llama_config_from_header(const int32_t header[7], struct llama_config *c, const char **why);

/* The q8 file (quant.c): as llama_checkpoint_map. */
int llama_q8_map(const void *data, uint32_t size, struct llama_config *c, struct llama_weights *w,
                 const char **why);

#endif
