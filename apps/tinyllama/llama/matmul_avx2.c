/* The AVX2+FMA matmul: like matmul_sse2.c, only these functions use the instructions. */
#include <stdint.h>
#include <immintrin.h>
#include "matmul.h"

#define AVX2_FMA __attribute__((target("avx2,fma")))

/* Two accumulators of eight lanes, fused multiply-adds; the tail is summed in scalar FMA. */
AVX2_FMA static float dot_avx2(const float *row, const float *x, int n)
{
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(x + j), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + j + 8), _mm256_loadu_ps(x + j + 8), acc1);
    }
    __m256 acc = _mm256_add_ps(acc0, acc1);
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    float lanes[4];
    _mm_storeu_ps(lanes, half);
    float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; j < n; j++)
        sum += row[j] * x[j];
    return sum;
}

AVX2_FMA void llama_matmul_avx2(float *xout, const float *x, const float *w, int n, int d)
{
    for (int i = 0; i < d; i++)
        xout[i] = dot_avx2(w + (uint32_t)i * (uint32_t)n, x, n);
}
