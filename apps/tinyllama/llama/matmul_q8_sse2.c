/* The SSE2 q8 row: only these functions use SSE2 (see matmul_sse2.c). */
#include <stdint.h>
#include <immintrin.h>
#include "quant.h"

#define Q8_ROW_TARGET __attribute__((target("sse2")))
#define Q8_ROW_NAME llama_q8_row_sse2

/* Each 16 bytes: sign-extended to two 8 x int16 halves, multiplied and summed in pairs to
 * int32 lanes (pmaddwd); integer sums are exact, so their order does not matter. */
Q8_ROW_TARGET static inline int32_t group_dot(const int8_t *a, const int8_t *b, int n)
{
    __m128i acc = _mm_setzero_si128();
    for (int i = 0; i < n; i += 16) {
        __m128i va = _mm_loadu_si128((const __m128i *)(a + i));
        __m128i vb = _mm_loadu_si128((const __m128i *)(b + i));
        __m128i a_lo = _mm_srai_epi16(_mm_unpacklo_epi8(va, va), 8);
        __m128i a_hi = _mm_srai_epi16(_mm_unpackhi_epi8(va, va), 8);
        __m128i b_lo = _mm_srai_epi16(_mm_unpacklo_epi8(vb, vb), 8);
        __m128i b_hi = _mm_srai_epi16(_mm_unpackhi_epi8(vb, vb), 8);
        acc = _mm_add_epi32(acc, _mm_madd_epi16(a_lo, b_lo));
        acc = _mm_add_epi32(acc, _mm_madd_epi16(a_hi, b_hi));
    }
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(acc);
}

#include "matmul_q8_row.h"
