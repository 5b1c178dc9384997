/* The element-wise and normalising steps of the transformer, as in llama2.c's run.c. */
#ifndef LLAMA_OPS_H
#define LLAMA_OPS_H

/* o = weight * x / sqrt(mean(x^2) + 1e-5); o may be x. */
void llama_rmsnorm(float *o, const float *x, const float *weight, int size);
/* In place: x = exp(x - max) / sum. */
void llama_softmax(float *x, int size);
/*
 * Rotary position embedding of the query (dim values) and key (kv_dim values) at `pos`: each
 * pair (2i, 2i+1) of a head turns by pos / 10000^((2i mod head_size) / head_size).
 */
void llama_rope(float *q, float *k, int dim, int kv_dim, int head_size, int pos);
/* hb = silu(hb) * hb2, the SwiGLU gate. */
void llama_swiglu(float *hb, const float *hb2, int size);

/* The tier sites of llama/ops_tiers.c: when set, each function above calls its site instead
 * (a tier's own copy of these functions, ops_tier.c, is compiled with LLAMA_TIER and never does). */
extern void (*llama_rmsnorm_site)(float *, const float *, const float *, int);
extern void (*llama_softmax_site)(float *, int);
extern void (*llama_rope_site)(float *, float *, int, int, int, int);
extern void (*llama_swiglu_site)(float *, const float *, int);
#ifdef LLAMA_TIER
#define LLAMA_TIER_SITE(site, ...) ((void)0)
#else
#define LLAMA_TIER_SITE(site, ...)                                                                 \
    do {                                                                                           \
        if (site) {                                                                                \
            site(__VA_ARGS__);                                                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#endif

#endif
