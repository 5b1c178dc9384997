/* The matmul dispatch and the scalar variant. */
#include <stdint.h>
#include <bf/cpu_features.h>
#include <bf/parallel.h>
#include <bf/string.h>
#include "matmul.h"
#include "profile.h"

static llama_matmul_fn chosen = llama_matmul_scalar;
static const char *chosen_name = "scalar";

void llama_matmul_scalar(float *xout, const float *x, const float *w, int n, int d)
{
    for (int i = 0; i < d; i++) {
        const float *row = w + (uint32_t)i * (uint32_t)n;
        float sum = 0.0f;
        for (int j = 0; j < n; j++)
            sum += row[j] * x[j];
        xout[i] = sum;
    }
}

static int usable(const char *name)
{
    uint32_t features = cpu_features_usable();
    if (strcmp(name, "scalar") == 0)
        return 1;
    if (strcmp(name, "sse2") == 0)
        return (features & BF_FEAT_SSE2) != 0;
    if (strcmp(name, "avx2") == 0)
        return (features & (BF_FEAT_AVX2 | BF_FEAT_FMA)) == (BF_FEAT_AVX2 | BF_FEAT_FMA);
    return 0;
}

const char *llama_matmul_select(const char *wanted)
{
    static const char *const best_first[] = {"avx2", "sse2", "scalar"};
    const char *name = "scalar";
    if (wanted && usable(wanted)) {
        name = wanted;
    } else {
        for (unsigned i = 0; i < sizeof best_first / sizeof best_first[0]; i++) {
            if (usable(best_first[i])) {
                name = best_first[i];
                break;
            }
        }
    }
    if (strcmp(name, "avx2") == 0)
        chosen = llama_matmul_avx2;
    else if (strcmp(name, "sse2") == 0)
        chosen = llama_matmul_sse2;
    else
        chosen = llama_matmul_scalar;
    chosen_name = name;
    return name;
}

const char *llama_matmul_name(void)
{
    return chosen_name;
}

llama_matmul_fn llama_matmul_code(void)
{
    return chosen;
}

/* Rows begin..end of one matmul, on whichever processor bf_parallel_for gives them to. */
struct matmul_rows {
    llama_matmul_fn fn;
    float *xout;
    const float *x, *w;
    int n;
};

static void matmul_rows(void *ctx, uint32_t begin, uint32_t end)
{
    const struct matmul_rows *m = ctx;
    m->fn(m->xout + begin, m->x, m->w + begin * (uint32_t)m->n, m->n, (int)(end - begin));
}

/* Fewer multiply-adds than this run on one processor: handing them out would cost more. */
#define PARALLEL_MIN_MACS 4096u

/* Rows are split across the processors (bf/parallel.h); each row's sum is the variant's whatever
 * the split, so the tokens do not depend on the processor count. Timed on the boot processor. */
void llama_matmul(float *xout, const float *x, const float *w, int n, int d)
{
    uint64_t start = llama_prof_start();
    if (bf_cpu_count() > 1 && (uint32_t)n * (uint32_t)d >= PARALLEL_MIN_MACS) {
        struct matmul_rows m = {chosen, xout, x, w, n};
        bf_parallel_for((uint32_t)d, matmul_rows, &m);
    } else {
        chosen(xout, x, w, n, d);
    }
    llama_prof_stop(LLAMA_PROF_MATMUL, start);
}

void llama_matmul_use(llama_matmul_fn fn, const char *name)
{
    chosen = fn;
    chosen_name = name;
}
