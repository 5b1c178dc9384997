/*
 * rmsnorm, softmax, rope, swiglu and attention behind tier sites (bf/tiers.h), as the matmul is
 * (tiers.c): the tiers of ops_tier.c (quick, O2, O3, model), each call timed and counted, a trial
 * tier's first result checked against the first tier's on the same input (a copy of it for the
 * kernels that work in place) and rolled back when it differs, the first tier's result then used.
 * softmax is called from attention's heads on every processor: bf_tier_enter gives the check to
 * one caller and the previous tier to the others, and each site's reference is its own.
 */
#include <bf/console.h>
#include <bf/cpu.h>
#include <bf/heap.h>
#include <bf/string.h>
#include <bf/tiers.h>
#include "attention.h"
#include "ops.h"
#include "tiers.h"

#define KERNEL_TIERS(kernel, ret, ...)                                                             \
    ret kernel##_quick(__VA_ARGS__);                                                               \
    ret kernel##_O2(__VA_ARGS__);                                                                  \
    ret kernel##_O3(__VA_ARGS__);                                                                  \
    ret kernel##_model(__VA_ARGS__);                                                               \
    static void *const kernel##_codes[] = {(void *)kernel##_quick, (void *)kernel##_O2,           \
                                           (void *)kernel##_O3, (void *)kernel##_model};
KERNEL_TIERS(llama_rmsnorm, void, float *, const float *, const float *, int)
KERNEL_TIERS(llama_softmax, void, float *, int)
KERNEL_TIERS(llama_rope, void, float *, float *, int, int, int, int)
KERNEL_TIERS(llama_swiglu, void, float *, const float *, int)
KERNEL_TIERS(llama_attention, void, const struct llama_config *, const float *, const float *,
             const float *, float *, float *, int)

typedef void (*rmsnorm_fn)(float *, const float *, const float *, int);
typedef void (*softmax_fn)(float *, int);
typedef void (*rope_fn)(float *, float *, int, int, int, int);
typedef void (*swiglu_fn)(float *, const float *, int);
typedef void (*attention_fn)(const struct llama_config *, const float *, const float *,
                             const float *, float *, float *, int);

static const char *const tier_names[] = {"quick", "O2", "O3", "model"};
/* BUILD.yaml's LLAMA_OPS_TIER_THRESHOLDS: these kernels are called 3 to 12 times a position. */
static const uint32_t thresholds[] = {LLAMA_OPS_TIER_THRESHOLDS};
_Static_assert(sizeof thresholds / sizeof thresholds[0] >= 3, "three promotions need three counts");
/* The floats of a site's reference; a call with more leaves the check to a later call. */
#define REFERENCE_FLOATS 8192u

struct checked {
    struct bf_tier_site *site;
    float *reference;
};
static struct checked rmsnorm, softmax, rope, swiglu, attention;

/* The code this call runs; *check when it checks a trial tier (into the site's reference). */
static void *enter(struct checked *s, uint32_t floats, int *check)
{
    void *fn = bf_tier_enter(s->site, check);
    if (*check && floats > REFERENCE_FLOATS) {
        bf_tier_checked(s->site, fn, -1);
        *check = 0;
        fn = s->site->codes[0];
    }
    return fn;
}

static int same_or_reference(float *out, const float *reference, uint32_t n)
{
    int same = memcmp(out, reference, n * sizeof(float)) == 0;
    if (!same)
        memcpy(out, reference, n * sizeof(float));
    return same;
}

/* After the timed call: the result `out` (n floats, then `out2`, n2) checked when `check`. */
static void leave(struct checked *s, void *fn, int check, uint64_t cycles, uint32_t work,
                  float *out, uint32_t n, float *out2, uint32_t n2)
{
    if (bf_tier_spoil(s->site, fn)) /* a fault test: this tier is made wrong */
        out[0] = -out[0] - 1.0f;
    if (check) {
        int same = same_or_reference(out, s->reference, n);
        same &= same_or_reference(out2, s->reference + n, n2);
        bf_tier_checked(s->site, fn, same);
    }
    bf_tier_record(s->site, fn, cycles, work);
}

static void rmsnorm_tiered(float *o, const float *x, const float *weight, int size)
{
    int check;
    rmsnorm_fn fn = (rmsnorm_fn)enter(&rmsnorm, (uint32_t)size, &check);
    if (check) /* before the timed call: the check is not the tier's cost (o may be x) */
        ((rmsnorm_fn)rmsnorm.site->codes[0])(rmsnorm.reference, x, weight, size);
    uint64_t start = rdtsc();
    fn(o, x, weight, size);
    leave(&rmsnorm, (void *)fn, check, rdtsc() - start, 1, o, (uint32_t)size, o, 0);
}

static void softmax_tiered(float *x, int size)
{
    int check;
    softmax_fn fn = (softmax_fn)enter(&softmax, (uint32_t)size, &check);
    if (check) {
        memcpy(softmax.reference, x, (uint32_t)size * sizeof(float));
        ((softmax_fn)softmax.site->codes[0])(softmax.reference, size);
    }
    uint64_t start = rdtsc();
    fn(x, size);
    leave(&softmax, (void *)fn, check, rdtsc() - start, ((uint32_t)size + 15u) / 16u, x,
          (uint32_t)size, x, 0);
}

static void rope_tiered(float *q, float *k, int dim, int kv_dim, int head_size, int pos)
{
    int check;
    rope_fn fn = (rope_fn)enter(&rope, (uint32_t)(dim + kv_dim), &check);
    if (check) {
        memcpy(rope.reference, q, (uint32_t)dim * sizeof(float));
        memcpy(rope.reference + dim, k, (uint32_t)kv_dim * sizeof(float));
        ((rope_fn)rope.site->codes[0])(rope.reference, rope.reference + dim, dim, kv_dim,
                                        head_size, pos);
    }
    uint64_t start = rdtsc();
    fn(q, k, dim, kv_dim, head_size, pos);
    leave(&rope, (void *)fn, check, rdtsc() - start, 1, q, (uint32_t)dim, k, (uint32_t)kv_dim);
}

static void swiglu_tiered(float *hb, const float *hb2, int size)
{
    int check;
    swiglu_fn fn = (swiglu_fn)enter(&swiglu, (uint32_t)size, &check);
    if (check) {
        memcpy(swiglu.reference, hb, (uint32_t)size * sizeof(float));
        ((swiglu_fn)swiglu.site->codes[0])(swiglu.reference, hb2, size);
    }
    uint64_t start = rdtsc();
    fn(hb, hb2, size);
    leave(&swiglu, (void *)fn, check, rdtsc() - start, 1, hb, (uint32_t)size, hb, 0);
}

/* Counted per position attended: a call's work grows with the position. */
static void attention_tiered(const struct llama_config *c, const float *q, const float *key_cache,
                             const float *value_cache, float *att, float *out, int pos)
{
    int check;
    attention_fn fn = (attention_fn)enter(&attention, (uint32_t)c->dim, &check);
    if (check)
        ((attention_fn)attention.site->codes[0])(c, q, key_cache, value_cache, att,
                                                 attention.reference, pos);
    uint64_t start = rdtsc();
    fn(c, q, key_cache, value_cache, att, out, pos);
    leave(&attention, (void *)fn, check, rdtsc() - start, (uint32_t)pos + 1u, out,
          (uint32_t)c->dim, out, 0);
}

/* Calls of each kernel in one forward pass of a 3-layer model: a window's mix of calls. */
static int install(struct checked *s, const char *name, void *const codes[], uint32_t window,
                   const char *unit)
{
    s->reference = kmalloc(REFERENCE_FLOATS * sizeof(float));
    s->site = s->reference ? bf_tier_register(name, 4, codes, tier_names, thresholds, window) : 0;
    if (!s->site) {
        kprintf("llama: no room for the tiers of %s, one build it is\n", name);
        return 0;
    }
    s->site->unit = unit;
    return 1;
}

void llama_ops_tiers_install(void)
{
    if (install(&rmsnorm, "llama_rmsnorm", llama_rmsnorm_codes, 7, "call"))
        llama_rmsnorm_site = rmsnorm_tiered;
    if (install(&softmax, "llama_softmax", llama_softmax_codes, 12, "16 values"))
        llama_softmax_site = softmax_tiered;
    if (install(&rope, "llama_rope", llama_rope_codes, 3, "call"))
        llama_rope_site = rope_tiered;
    if (install(&swiglu, "llama_swiglu", llama_swiglu_codes, 3, "call"))
        llama_swiglu_site = swiglu_tiered;
    if (install(&attention, "llama_attention", llama_attention_codes, 3, "position attended"))
        llama_attention_site = attention_tiered;
    kprintf("llama: rmsnorm, softmax, rope, swiglu, attention in tiers quick, O2, O3, model\n");
}
