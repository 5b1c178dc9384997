/* The Llama-2 forward pass, in the order of llama2.c's run.c. */
#include <bf/heap.h>
#include <bf/string.h>
#include "attention.h"
#include "matmul.h"
#include "ops.h"
#include "profile.h"
#include "transformer.h"

int llama_state_alloc(struct llama_model *model)
{
    const struct llama_config *c = &model->config;
    struct llama_state *s = &model->state;
    uint32_t kv_dim = (uint32_t)(c->dim / c->n_heads * c->n_kv_heads);
    uint32_t cache = (uint32_t)c->n_layers * (uint32_t)c->seq_len * kv_dim;
    memset(s, 0, sizeof *s);
    s->x = kcalloc((uint32_t)c->dim, sizeof(float));
    s->xb = kcalloc((uint32_t)c->dim, sizeof(float));
    s->xb2 = kcalloc((uint32_t)c->dim, sizeof(float));
    s->hb = kcalloc((uint32_t)c->hidden_dim, sizeof(float));
    s->hb2 = kcalloc((uint32_t)c->hidden_dim, sizeof(float));
    s->q = kcalloc((uint32_t)c->dim, sizeof(float));
    s->att = kcalloc((uint32_t)c->n_heads * (uint32_t)c->seq_len, sizeof(float));
    s->logits = kcalloc((uint32_t)c->vocab_size, sizeof(float));
    s->key_cache = kcalloc(cache, sizeof(float));
    s->value_cache = kcalloc(cache, sizeof(float));
    if (!s->x || !s->xb || !s->xb2 || !s->hb || !s->hb2 || !s->q || !s->att || !s->logits ||
        !s->key_cache || !s->value_cache) {
        llama_state_free(model);
        return -1;
    }
    return 0;
}

void llama_state_free(struct llama_model *model)
{
    struct llama_state *s = &model->state;
    float *buffers[] = {s->x, s->xb, s->xb2, s->hb, s->hb2, s->q, s->att, s->logits,
                        s->key_cache, s->value_cache};
    for (unsigned i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        kfree(buffers[i]);
    memset(s, 0, sizeof *s);
}

float *llama_forward(struct llama_model *model, int token, int pos)
{
    uint64_t start = llama_prof_start();
    const struct llama_config *c = &model->config;
    const struct llama_weights *w = &model->weights;
    struct llama_state *s = &model->state;
    uint32_t dim = (uint32_t)c->dim, hidden = (uint32_t)c->hidden_dim;
    int head_size = c->dim / c->n_heads;
    int kv_dim = head_size * c->n_kv_heads;

    memcpy(s->x, w->token_embedding + (uint32_t)token * dim, dim * sizeof(float));
    for (uint32_t l = 0; l < (uint32_t)c->n_layers; l++) {
        uint32_t layer_cache = l * (uint32_t)c->seq_len * (uint32_t)kv_dim;
        float *k = s->key_cache + layer_cache + (uint32_t)pos * (uint32_t)kv_dim;
        float *v = s->value_cache + layer_cache + (uint32_t)pos * (uint32_t)kv_dim;

        /* Attention block: this position's key and value go straight into the cache. */
        llama_rmsnorm(s->xb, s->x, w->rms_att + l * dim, c->dim);
        llama_matmul(s->q, s->xb, w->wq + l * dim * dim, c->dim, c->dim);
        llama_matmul(k, s->xb, w->wk + l * dim * (uint32_t)kv_dim, c->dim, kv_dim);
        llama_matmul(v, s->xb, w->wv + l * dim * (uint32_t)kv_dim, c->dim, kv_dim);
        llama_rope(s->q, k, c->dim, kv_dim, head_size, pos);
        llama_attention(c, s->q, s->key_cache + layer_cache, s->value_cache + layer_cache,
                        s->att, s->xb, pos);
        llama_matmul(s->xb2, s->xb, w->wo + l * dim * dim, c->dim, c->dim);
        for (uint32_t i = 0; i < dim; i++)
            s->x[i] += s->xb2[i];

        /* Feed-forward block: w2(silu(w1 x) * w3 x). */
        llama_rmsnorm(s->xb, s->x, w->rms_ffn + l * dim, c->dim);
        llama_matmul(s->hb, s->xb, w->w1 + l * dim * hidden, c->dim, c->hidden_dim);
        llama_matmul(s->hb2, s->xb, w->w3 + l * dim * hidden, c->dim, c->hidden_dim);
        llama_swiglu(s->hb, s->hb2, c->hidden_dim);
        llama_matmul(s->xb, s->hb, w->w2 + l * dim * hidden, c->hidden_dim, c->dim);
        for (uint32_t i = 0; i < dim; i++)
            s->x[i] += s->xb[i];
    }
    llama_rmsnorm(s->x, s->x, w->rms_final, c->dim);
    llama_matmul(s->logits, s->x, w->wcls, c->dim, c->vocab_size);
    llama_prof_stop(LLAMA_PROF_FORWARD, start);
    return s->logits;
}
