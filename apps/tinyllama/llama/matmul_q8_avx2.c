/* The AVX2 q8 row: only these functions use AVX2 (see matmul_avx2.c). */
#include <stdint.h>
#include <immintrin.h>
#include "quant.h"

#define Q8_ROW_TARGET __attribute__((target("avx2")))
#define Q8_ROW_NAME llama_q8_row_avx2

/* Each 16 bytes sign-extended to 16 x int16 (vpmovsxbw), multiplied and summed in pairs to
 * int32 lanes (vpmaddwd): exact integer sums. */
Q8_ROW_TARGET static inline int32_t group_dot(const int8_t *a, const int8_t *b, int n)
{
    __m256i acc = _mm256_setzero_si256();
    for (int i = 0; i < n; i += 16) {
        __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
        __m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(va, vb));
    }
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(sum);
}

#include "matmul_q8_row.h"
