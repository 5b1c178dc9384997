/*
 * The matmul behind a tier site (bf/tiers.h): the tiers of matmul_tier.c (quick, O2, O3, model)
 * of the variant llama_matmul_select() chose (scalar, sse2 or avx2). Each
 * call is timed and counted per 64 multiply-adds, so calls of different shapes (and the row
 * ranges of several processors) compare; a trial tier's first result is checked against the
 * first tier's on the same input, and a different result rolls it back (the first tier's result
 * is then used).
 */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/heap.h>
#include <bf/string.h>
#include <bf/tiers.h>
#include "matmul.h"
#include "tiers.h"

#define TIER_FNS(isa)                                                                              \
    void llama_matmul_##isa##_quick(float *, const float *, const float *, int, int);             \
    void llama_matmul_##isa##_O2(float *, const float *, const float *, int, int);                \
    void llama_matmul_##isa##_O3(float *, const float *, const float *, int, int);                \
    void llama_matmul_##isa##_model(float *, const float *, const float *, int, int);             \
    static void *const isa##_tiers[] = {(void *)llama_matmul_##isa##_quick,                       \
                                        (void *)llama_matmul_##isa##_O2,                          \
                                        (void *)llama_matmul_##isa##_O3,                          \
                                        (void *)llama_matmul_##isa##_model};
TIER_FNS(scalar)
TIER_FNS(sse2)
TIER_FNS(avx2)

static const char *const tier_names[] = {"quick", "O2", "O3", "model"};
/* BUILD.yaml's LLAMA_TIER_THRESHOLDS: the calls after which the next tier is tried. */
static const uint32_t thresholds[] = {LLAMA_TIER_THRESHOLDS};
_Static_assert(sizeof thresholds / sizeof thresholds[0] >= 3, "three promotions need three counts");
/* The matmuls of one forward pass (7 a layer and the classifier, 3 layers): a measuring window
 * holds the same mix of shapes whatever call it starts at. */
#define WINDOW 22u

/* The reference rows of a check, allocated once by the boot processor (a check may run on any
 * processor; the heap is the boot processor's). A call with more rows leaves the check to a
 * later call. */
#define REFERENCE_ROWS 65536u

static struct bf_tier_site *site;
static float *reference;

static void matmul_tiered(float *xout, const float *x, const float *w, int n, int d)
{
    int check;
    llama_matmul_fn fn = (llama_matmul_fn)bf_tier_enter(site, &check);
    if (check && (uint32_t)d > REFERENCE_ROWS) {
        bf_tier_checked(site, (void *)fn, -1);
        check = 0;
        fn = (llama_matmul_fn)site->codes[0];
    }
    if (check) /* before the timed call: the check is not the tier's cost */
        ((llama_matmul_fn)site->codes[0])(reference, x, w, n, d);
    uint64_t start = rdtsc();
    fn(xout, x, w, n, d);
    uint64_t cycles = rdtsc() - start;
    if (bf_tier_spoil(site, (void *)fn)) /* a fault test: this tier is made wrong */
        xout[0] = -xout[0] - 1.0f;
    if (check) {
        int same = memcmp(xout, reference, (uint32_t)d * sizeof(float)) == 0;
        bf_tier_checked(site, (void *)fn, same);
        if (!same)
            memcpy(xout, reference, (uint32_t)d * sizeof(float));
    }
    bf_tier_record(site, (void *)fn, cycles, ((uint32_t)n * (uint32_t)d + 63u) / 64u);
}

void llama_tiers_install(void)
{
    const char *variant = llama_matmul_name();
    void *const *codes;
    llama_ops_tiers_install();
    if (strcmp(variant, "avx2") == 0)
        codes = avx2_tiers;
    else if (strcmp(variant, "sse2") == 0)
        codes = sse2_tiers;
    else if (strcmp(variant, "scalar") == 0)
        codes = scalar_tiers;
    else {
        kprintf("llama: matmul %s has no tiers\n", variant);
        return;
    }
    reference = kmalloc(REFERENCE_ROWS * sizeof(float));
    site = reference ? bf_tier_register("llama_matmul", 4, codes, tier_names, thresholds, WINDOW) : 0;
    if (!site) {
        kprintf("llama: no room for the matmul's tiers, one build it is\n");
        return;
    }
    site->unit = "64 multiply-adds";
    llama_matmul_use(matmul_tiered, variant);
    kprintf("llama: matmul %s in tiers quick, O2, O3, model; starts at %s\n", variant,
            site->names[site->tier]);
}
