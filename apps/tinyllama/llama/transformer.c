/* The Llama-2 forward pass, in the order of llama2.c's run.c. */
#include <bf/heap.h>
#include <bf/string.h>
#include "attention.h"
#include "matmul.h"
#include "ops.h"
#include "profile.h"
#include "quant.h"
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
    int group = model->weights.q8.group_size;
    if (group) { /* hidden_dim >= dim in every Llama; the buffers take the larger anyway */
        uint32_t widest = (uint32_t)(c->hidden_dim > c->dim ? c->hidden_dim : c->dim);
        s->xq.q = kcalloc(widest, 1);
        s->xq.s = kcalloc(widest / (uint32_t)group, sizeof(float));
    }
    if (!s->x || !s->xb || !s->xb2 || !s->hb || !s->hb2 || !s->q || !s->att || !s->logits ||
        !s->key_cache || !s->value_cache || (group && (!s->xq.q || !s->xq.s))) {
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
    kfree(s->xq.q);
    kfree(s->xq.s);
    memset(s, 0, sizeof *s);
}

/* out[d] = W x, W being matrix m of layer l with n inputs: float32 rows, or int8 groups. */
static void project(struct llama_model *model, float *out, const float *x, enum llama_matrix m,
                    uint32_t l, int n, int d)
{
    const struct llama_weights *w = &model->weights;
    if (w->q8.group_size) {
        llama_q8_quantize(&model->state.xq, x, n, w->q8.group_size);
        llama_q8_matmul(out, &model->state.xq, llama_q8_values(&w->q8, m, l),
                        llama_q8_scales(&w->q8, m, l), n, d, w->q8.group_size);
        return;
    }
    const float *const first[LLAMA_MATRICES] = {w->token_embedding, w->wq, w->wk, w->wv, w->wo,
                                                w->w1, w->w2, w->w3, w->wcls};
    llama_matmul(out, x, first[m] + l * (uint32_t)n * (uint32_t)d, n, d);
}

/* x = the token's embedding row (dequantised: q * its group's scale, as runq.c). */
static void embed(const struct llama_weights *w, float *x, int token, uint32_t dim)
{
    if (!w->q8.group_size) {
        memcpy(x, w->token_embedding + (uint32_t)token * dim, dim * sizeof(float));
        return;
    }
    uint32_t group = (uint32_t)w->q8.group_size;
    const int8_t *q = llama_q8_values(&w->q8, LLAMA_EMBEDDING, 0) + (uint32_t)token * dim;
    const float *s = llama_q8_scales(&w->q8, LLAMA_EMBEDDING, 0) + (uint32_t)token * dim / group;
    for (uint32_t i = 0; i < dim; i++)
        x[i] = q[i] * s[i / group];
}

float *llama_forward(struct llama_model *model, int token, int pos)
{
    uint64_t start = llama_prof_start();
    const struct llama_config *c = &model->config;
    const struct llama_weights *w = &model->weights;
    struct llama_state *s = &model->state;
    uint32_t dim = (uint32_t)c->dim;
    int head_size = c->dim / c->n_heads;
    int kv_dim = head_size * c->n_kv_heads;

    embed(w, s->x, token, dim);
    for (uint32_t l = 0; l < (uint32_t)c->n_layers; l++) {
        uint32_t layer_cache = l * (uint32_t)c->seq_len * (uint32_t)kv_dim;
        float *k = s->key_cache + layer_cache + (uint32_t)pos * (uint32_t)kv_dim;
        float *v = s->value_cache + layer_cache + (uint32_t)pos * (uint32_t)kv_dim;

        /* Attention block: this position's key and value go straight into the cache. */
        llama_rmsnorm(s->xb, s->x, w->rms_att + l * dim, c->dim);
        project(model, s->q, s->xb, LLAMA_WQ, l, c->dim, c->dim);
        project(model, k, s->xb, LLAMA_WK, l, c->dim, kv_dim);
        project(model, v, s->xb, LLAMA_WV, l, c->dim, kv_dim);
        llama_rope(s->q, k, c->dim, kv_dim, head_size, pos);
        llama_attention(c, s->q, s->key_cache + layer_cache, s->value_cache + layer_cache,
                        s->att, s->xb, pos);
        project(model, s->xb2, s->xb, LLAMA_WO, l, c->dim, c->dim);
        for (uint32_t i = 0; i < dim; i++)
            s->x[i] += s->xb2[i];

        /* Feed-forward block: w2(silu(w1 x) * w3 x). */
        llama_rmsnorm(s->xb, s->x, w->rms_ffn + l * dim, c->dim);
        project(model, s->hb, s->xb, LLAMA_W1, l, c->dim, c->hidden_dim);
        project(model, s->hb2, s->xb, LLAMA_W3, l, c->dim, c->hidden_dim);
        llama_swiglu(s->hb, s->hb2, c->hidden_dim);
        project(model, s->xb, s->hb, LLAMA_W2, l, c->hidden_dim, c->dim);
        for (uint32_t i = 0; i < dim; i++)
            s->x[i] += s->xb[i];
    }
    llama_rmsnorm(s->x, s->x, w->rms_final, c->dim);
    project(model, s->logits, s->x, LLAMA_WCLS, 0, c->dim, c->vocab_size);
    llama_prof_stop(LLAMA_PROF_FORWARD, start);
    return s->logits;
}
