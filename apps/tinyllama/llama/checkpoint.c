/* Mapping a llama2.c checkpoint onto its weights (the layout of run.c's memory_map_weights). */
#include <stdint.h>
#include <bf/string.h>
#include "checkpoint.h"

#define HEADER_INTS 7

int llama_config_from_header(const int32_t header[7], struct llama_config *c, const char **why)
{
    c->dim = header[0];
    c->hidden_dim = header[1];
    c->n_layers = header[2];
    c->n_heads = header[3];
    c->n_kv_heads = header[4];
    c->shared_classifier = header[5] > 0;
    c->vocab_size = header[5] > 0 ? header[5] : -header[5];
    c->seq_len = header[6];
    /* Bounds keep every size below in 64 bits; the size check then keeps them in 32. */
    if (c->dim <= 0 || c->dim > 8192 || c->hidden_dim <= 0 || c->hidden_dim > 32768 ||
        c->n_layers <= 0 || c->n_layers > 256 || c->n_heads <= 0 || c->n_kv_heads <= 0 ||
        c->vocab_size <= 0 || c->vocab_size > 1000000 || c->seq_len <= 0 || c->seq_len > 65536) {
        *why = "header values out of range";
        return -1;
    }
    if (c->dim % c->n_heads || c->n_heads % c->n_kv_heads || (c->dim / c->n_heads) % 2) {
        *why = "heads do not divide dim evenly (or the head size is odd)";
        return -1;
    }
    return 0;
}

int llama_checkpoint_map(const void *data, uint32_t size, struct llama_config *c,
                         struct llama_weights *w, const char **why)
{
    const int32_t *header = data;
    if (size < HEADER_INTS * 4) {
        *why = "shorter than its header";
        return -1;
    }
    if ((uint32_t)header[0] == LLAMA_Q8_MAGIC)
        return llama_q8_map(data, size, c, w, why);
    if (llama_config_from_header(header, c, why) != 0)
        return -1;
    uint64_t dim = (uint64_t)c->dim, hidden = (uint64_t)c->hidden_dim;
    uint64_t layers = (uint64_t)c->n_layers, vocab = (uint64_t)c->vocab_size;
    uint64_t head_size = dim / (uint64_t)c->n_heads;
    uint64_t kv_dim = head_size * (uint64_t)c->n_kv_heads;
    uint64_t floats = vocab * dim + layers * (2 * dim + 2 * dim * dim + 2 * dim * kv_dim + 3 * dim * hidden) +
                      dim + (uint64_t)c->seq_len * head_size;
    if (!c->shared_classifier)
        floats += vocab * dim;
    if (HEADER_INTS * 4 + floats * 4 != size) {
        *why = "its size does not match its header";
        return -1;
    }
    memset(w, 0, sizeof *w);
    const float *p = (const float *)(header + HEADER_INTS);
    uint32_t d = (uint32_t)dim, h = (uint32_t)hidden, n = (uint32_t)layers, kv = (uint32_t)kv_dim;
    w->token_embedding = p;
    p += (uint32_t)vocab * d;
    w->rms_att = p;
    p += n * d;
    w->wq = p;
    p += n * d * d;
    w->wk = p;
    p += n * kv * d;
    w->wv = p;
    p += n * kv * d;
    w->wo = p;
    p += n * d * d;
    w->rms_ffn = p;
    p += n * d;
    w->w1 = p;
    p += n * h * d;
    w->w2 = p;
    p += n * d * h;
    w->w3 = p;
    p += n * h * d;
    w->rms_final = p;
    p += d;
    /* Two legacy RoPE tables (freq_cis real and imaginary), which inference recomputes. */
    p += (uint32_t)c->seq_len * (uint32_t)head_size;
    w->wcls = c->shared_classifier ? w->token_embedding : p;
    return 0;
}
