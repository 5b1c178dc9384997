/*
 * One tier of the matmul (docs/tiers.md): the kernel-tiers rule compiles this file once per tier
 * with -DLLAMA_TIER=<tier> at the tier's level, giving llama_matmul_scalar_<tier>,
 * llama_matmul_sse2_<tier> and llama_matmul_avx2_<tier>. Every tier sums the same products in the same order as the others,
 * so they agree to the bit. The model tier also has the model's dimensions (LLAMA_DIM,
 * LLAMA_HIDDEN): a matmul over rows of that length runs a copy of the loop whose trip count is a
 * constant.
 */
#include <stdint.h>

#define TIER_NAME2(base, tier) base##_##tier
#define TIER_NAME(base, tier) TIER_NAME2(base, tier)

/* The SSE2 and AVX2+FMA variants: the very code of matmul_sse2.c and matmul_avx2.c, compiled at
 * this tier's level. */
#define llama_matmul_sse2 TIER_NAME(llama_matmul_sse2_rows, LLAMA_TIER)
#define llama_matmul_avx2 TIER_NAME(llama_matmul_avx2_rows, LLAMA_TIER)
#include "matmul_sse2.c"
#include "matmul_avx2.c"
#undef llama_matmul_sse2
#undef llama_matmul_avx2

void TIER_NAME(llama_matmul_scalar, LLAMA_TIER)(float *xout, const float *x, const float *w, int n,
                                                 int d);
void TIER_NAME(llama_matmul_sse2, LLAMA_TIER)(float *xout, const float *x, const float *w, int n,
                                               int d);
void TIER_NAME(llama_matmul_avx2, LLAMA_TIER)(float *xout, const float *x, const float *w, int n,
                                               int d);

/* llama_matmul_scalar's sums (matmul.c), in the same order: one row after another, each from
 * its first column to its last. */
static inline __attribute__((always_inline)) float dot(const float *row, const float *x, int n)
{
    float sum = 0.0f;
    for (int j = 0; j < n; j++)
        sum += row[j] * x[j];
    return sum;
}

static inline __attribute__((always_inline)) void scalar_rows(float *xout, const float *x,
                                                              const float *w, int n, int d)
{
    for (int i = 0; i < d; i++)
        xout[i] = dot(w + (uint32_t)i * (uint32_t)n, x, n);
}

#ifdef LLAMA_DIM
/* flatten: the rows' code is inlined into each branch, where n is a constant. */
#define SPECIALISED __attribute__((flatten))
#define BY_MODEL_SHAPE(rows)                                                                       \
    do {                                                                                           \
        if (n == LLAMA_DIM) {                                                                      \
            rows(xout, x, w, LLAMA_DIM, d);                                                        \
            return;                                                                                \
        }                                                                                          \
        if (n == LLAMA_HIDDEN) {                                                                   \
            rows(xout, x, w, LLAMA_HIDDEN, d);                                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#else
#define SPECIALISED
#define BY_MODEL_SHAPE(rows) ((void)0)
#endif

SPECIALISED void TIER_NAME(llama_matmul_scalar, LLAMA_TIER)(float *xout, const float *x,
                                                             const float *w, int n, int d)
{
    BY_MODEL_SHAPE(scalar_rows);
    scalar_rows(xout, x, w, n, d);
}

SPECIALISED __attribute__((target("avx2,fma"))) void
TIER_NAME(llama_matmul_avx2, LLAMA_TIER)(float *xout, const float *x, const float *w, int n, int d)
{
    BY_MODEL_SHAPE(TIER_NAME(llama_matmul_avx2_rows, LLAMA_TIER));
    TIER_NAME(llama_matmul_avx2_rows, LLAMA_TIER)(xout, x, w, n, d);
}

SPECIALISED __attribute__((target("sse2"))) void
TIER_NAME(llama_matmul_sse2, LLAMA_TIER)(float *xout, const float *x, const float *w, int n, int d)
{
    BY_MODEL_SHAPE(TIER_NAME(llama_matmul_sse2_rows, LLAMA_TIER));
    TIER_NAME(llama_matmul_sse2_rows, LLAMA_TIER)(xout, x, w, n, d);
}
