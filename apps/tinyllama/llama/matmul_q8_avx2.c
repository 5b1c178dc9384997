/* The AVX2 q8 row: only these functions use AVX2 (see matmul_avx2.c). */
#include <stdint.h>
#include <immintrin.h>
#include "quant.h"

#define AVX2 __attribute__((target("avx2")))
#define Q8_ROW_TARGET AVX2
#define Q8_ROW_NAME row_any_groups

/* 16 bytes of each side sign-extended to 16 x int16 (vpmovsxbw), multiplied and summed in pairs
 * to int32 lanes (vpmaddwd): exact integer sums, so their order does not matter. */
AVX2 static inline __m256i dot_lanes(const int8_t *a, const int8_t *b, int n)
{
    __m256i acc = _mm256_setzero_si256();
    for (int i = 0; i < n; i += 16) {
        __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
        __m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(va, vb));
    }
    return acc;
}

AVX2 static inline int32_t group_dot(const int8_t *a, const int8_t *b, int n)
{
    __m256i acc = dot_lanes(a, b, n);
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(sum);
}

#include "matmul_q8_row.h"

/* The dot products of eight groups of 32 in one vector, group g in lane g. */
AVX2 static inline __m256i eight_dots(const int8_t *x, const int8_t *row)
{
    __m256i d[8];
    for (int g = 0; g < 8; g++)
        d[g] = dot_lanes(x + 32 * g, row + 32 * g, 32);
    __m256i u0 = _mm256_hadd_epi32(_mm256_hadd_epi32(d[0], d[1]), _mm256_hadd_epi32(d[2], d[3]));
    __m256i u1 = _mm256_hadd_epi32(_mm256_hadd_epi32(d[4], d[5]), _mm256_hadd_epi32(d[6], d[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
                            _mm256_permute2x128_si256(u0, u1, 0x31));
}

/* Groups of 32, eight at a time: each lane's (float)dot * w_scale * x_scale is the scalar row's
 * product (the same two roundings), and they are added to val one by one in group order, so
 * the bits are the other variants'. */
AVX2 float llama_q8_row_avx2(const int8_t *x, const float *xs, const int8_t *row, const float *ws,
                             int groups, int group_size)
{
    if (group_size != 32)
        return row_any_groups(x, xs, row, ws, groups, group_size);
    float val = 0.0f;
    int g = 0;
    for (; g + 8 <= groups; g += 8) {
        __m256 dots = _mm256_cvtepi32_ps(eight_dots(x + 32 * g, row + 32 * g));
        __m256 terms = _mm256_mul_ps(_mm256_mul_ps(dots, _mm256_loadu_ps(ws + g)),
                                     _mm256_loadu_ps(xs + g));
        float t[8];
        _mm256_storeu_ps(t, terms);
        for (int k = 0; k < 8; k++)
            val += t[k];
    }
    for (; g < groups; g++) /* the rest, one by one, in the same order */
        val += ((float)group_dot(x + 32 * g, row + 32 * g, 32) * ws[g]) * xs[g];
    return val;
}
