/* The q8 matmul (runq.c's): integer group dot products in the variant the float matmul uses. */
#include <bf/parallel.h>
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

/* Rows begin..end of one q8 matmul, on whichever processor bf_parallel_for gives them to. */
struct q8_rows {
    llama_q8_row_fn row;
    float *xout;
    const struct llama_q8_activation *x;
    const int8_t *wq;
    const float *ws;
    int n, group_size;
};

static void q8_rows(void *ctx, uint32_t begin, uint32_t end)
{
    const struct q8_rows *m = ctx;
    uint32_t n = (uint32_t)m->n, groups = n / (uint32_t)m->group_size;
    for (uint32_t i = begin; i < end; i++)
        m->xout[i] = m->row(m->x->q, m->x->s, m->wq + i * n, m->ws + i * groups, (int)groups,
                            m->group_size);
}

/* Fewer products than this run on one processor, as llama_matmul's. */
#define PARALLEL_MIN_MACS 4096u

/* Rows split across the processors like the float matmul's: a row's value does not depend on
 * which processor computes it, so neither do the tokens. */
void llama_q8_matmul(float *xout, const struct llama_q8_activation *x, const int8_t *wq,
                     const float *ws, int n, int d, int group_size)
{
    uint64_t start = llama_prof_start();
    struct q8_rows m = {row_for(group_size), xout, x, wq, ws, n, group_size};
    if (bf_cpu_count() > 1 && (uint32_t)n * (uint32_t)d >= PARALLEL_MIN_MACS)
        bf_parallel_for((uint32_t)d, q8_rows, &m);
    else
        q8_rows(&m, 0, (uint32_t)d);
    llama_prof_stop(LLAMA_PROF_MATMUL, start);
}
