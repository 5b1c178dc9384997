/* RMSNorm, softmax, RoPE and SwiGLU (bf/math.h provides expf, powf, sinf, cosf, sqrtf). */
#include <bf/math.h>
#include <bf/parallel.h>
#include "ops.h"
#include "profile.h"

#ifndef LLAMA_TIER
void (*llama_rmsnorm_site)(float *, const float *, const float *, int);
void (*llama_softmax_site)(float *, int);
void (*llama_rope_site)(float *, float *, int, int, int, int);
void (*llama_swiglu_site)(float *, const float *, int);
#endif

void llama_rmsnorm(float *o, const float *x, const float *weight, int size)
{
    LLAMA_TIER_SITE(llama_rmsnorm_site, o, x, weight, size);
    uint64_t start = llama_prof_start();
    float ss = 0.0f;
    for (int j = 0; j < size; j++)
        ss += x[j] * x[j];
    ss /= size;
    ss += 1e-5f;
    ss = 1.0f / sqrtf(ss);
    for (int j = 0; j < size; j++)
        o[j] = weight[j] * (ss * x[j]);
    llama_prof_stop(LLAMA_PROF_RMSNORM, start);
}

void llama_softmax(float *x, int size)
{
    LLAMA_TIER_SITE(llama_softmax_site, x, size);
    uint64_t start = llama_prof_start();
    float max = x[0];
    for (int i = 1; i < size; i++)
        if (x[i] > max)
            max = x[i];
    float sum = 0.0f;
    for (int i = 0; i < size; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    for (int i = 0; i < size; i++)
        x[i] /= sum;
    llama_prof_stop(LLAMA_PROF_SOFTMAX, start);
}

/* RoPE and SwiGLU work element by element, each element as on one processor: split across the
 * processors (bf/parallel.h) above this many elements (a sine, cosine, power or exponential
 * each), timed whole on the boot processor. */
#define PARALLEL_MIN_ELEMENTS 32u

struct rope_args {
    float *q, *k;
    int kv_dim, head_size, pos;
};

/* Value pairs begin..end (pair p holds values 2p and 2p + 1). */
static void rope_pairs(void *ctx, uint32_t begin, uint32_t end)
{
    const struct rope_args *a = ctx;
    for (int i = 2 * (int)begin; i < 2 * (int)end; i += 2) {
        int head_dim = i % a->head_size;
        float freq = 1.0f / powf(10000.0f, head_dim / (float)a->head_size);
        float val = a->pos * freq;
        float fcr = cosf(val);
        float fci = sinf(val);
        /* The query has dim values, the key only kv_dim (grouped-query attention). */
        int rotations = i < a->kv_dim ? 2 : 1;
        for (int r = 0; r < rotations; r++) {
            float *vec = r == 0 ? a->q : a->k;
            float v0 = vec[i];
            float v1 = vec[i + 1];
            vec[i] = v0 * fcr - v1 * fci;
            vec[i + 1] = v0 * fci + v1 * fcr;
        }
    }
}

static void split(uint32_t n, bf_range_fn fn, void *ctx)
{
    if (n >= PARALLEL_MIN_ELEMENTS)
        bf_parallel_for(n, fn, ctx);
    else
        fn(ctx, 0, n);
}

void llama_rope(float *q, float *k, int dim, int kv_dim, int head_size, int pos)
{
    LLAMA_TIER_SITE(llama_rope_site, q, k, dim, kv_dim, head_size, pos);
    uint64_t start = llama_prof_start();
    struct rope_args args = {q, k, kv_dim, head_size, pos};
    split((uint32_t)dim / 2, rope_pairs, &args);
    llama_prof_stop(LLAMA_PROF_ROPE, start);
}

struct swiglu_args {
    float *hb;
    const float *hb2;
};

static void swiglu_range(void *ctx, uint32_t begin, uint32_t end)
{
    const struct swiglu_args *a = ctx;
    for (uint32_t i = begin; i < end; i++) {
        float val = a->hb[i];
        val *= 1.0f / (1.0f + expf(-val)); /* silu(x) = x * sigmoid(x) */
        a->hb[i] = val * a->hb2[i];
    }
}

void llama_swiglu(float *hb, const float *hb2, int size)
{
    LLAMA_TIER_SITE(llama_swiglu_site, hb, hb2, size);
    uint64_t start = llama_prof_start();
    struct swiglu_args args = {hb, hb2};
    split((uint32_t)size, swiglu_range, &args);
    llama_prof_stop(LLAMA_PROF_SWIGLU, start);
}
