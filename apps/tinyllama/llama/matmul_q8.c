/* The q8 matmul (runq.c's): integer group dot products in the variant the float matmul uses. */
#include <bf/string.h>
#include "matmul.h"
#include "profile.h"
#include "quant.h"

#define Q8_ROW_TARGET
#define Q8_ROW_NAME llama_q8_row_scalar

static inline int32_t group_dot(const int8_t *a, const int8_t *b, int n)
{
    int32_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

#include "matmul_q8_row.h"

/* The row of the chosen matmul variant; the SIMD ones take groups of 16k values. */
static llama_q8_row_fn row_for(int group_size)
{
    const char *name = llama_matmul_name();
    if (group_size % 16 == 0 && strcmp(name, "avx2") == 0)
        return llama_q8_row_avx2;
    if (group_size % 16 == 0 && strcmp(name, "sse2") == 0)
        return llama_q8_row_sse2;
    return llama_q8_row_scalar;
}

void llama_q8_matmul(float *xout, const struct llama_q8_activation *x, const int8_t *wq,
                     const float *ws, int n, int d, int group_size)
{
    uint64_t start = llama_prof_start();
    llama_q8_row_fn row = row_for(group_size);
    int groups = n / group_size;
    for (int i = 0; i < d; i++)
        xout[i] = row(x->q, x->s, wq + (uint32_t)i * (uint32_t)n, ws + (uint32_t)i * (uint32_t)groups,
                      groups, group_size);
    llama_prof_stop(LLAMA_PROF_MATMUL, start);
}
