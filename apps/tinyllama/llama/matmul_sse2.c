/*
 * The SSE2 matmul. The file is compiled for the configuration's CPU (i686: no SSE); only these
 * functions use SSE, enabled by their target attribute, and run after the CPU check of
 * llama_matmul_select.
 */
#include <stdint.h>
#include <immintrin.h>
#include "matmul.h"

#define SSE2 __attribute__((target("sse2")))

/* Two accumulators of four lanes: lane k of accumulator a sums the columns j = 8m + 4a + k. */
SSE2 static float dot_sse2(const float *row, const float *x, int n)
{
    __m128 acc0 = _mm_setzero_ps(), acc1 = _mm_setzero_ps();
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(row + j), _mm_loadu_ps(x + j)));
        acc1 = _mm_add_ps(acc1, _mm_mul_ps(_mm_loadu_ps(row + j + 4), _mm_loadu_ps(x + j + 4)));
    }
    __m128 acc = _mm_add_ps(acc0, acc1);
    float lanes[4];
    _mm_storeu_ps(lanes, acc);
    float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; j < n; j++)
        sum += row[j] * x[j];
    return sum;
}

SSE2 void llama_matmul_sse2(float *xout, const float *x, const float *w, int n, int d)
{
    for (int i = 0; i < d; i++)
        xout[i] = dot_sse2(w + (uint32_t)i * (uint32_t)n, x, n);
}
