/*
 * One tier of the inference's other kernels (docs/tiers.md): rmsnorm, softmax, rope, swiglu and
 * attention, the very code of ops.c and attention.c compiled at this tier's level (the
 * kernel-tiers rule compiles this file once per tier with -DLLAMA_TIER=<tier>), as
 * llama_<kernel>_<tier>. The same operations in the same order in every tier: the tiers agree to
 * the bit. The model tier also has the model's dimensions: a call of the model's length runs a
 * copy of the loops whose trip counts are constants (rmsnorm over dim, softmax over the
 * vocabulary; rope, swiglu and attention split their loops across processors through a pointer,
 * where a constant does not reach, so their model tier is their O3 code).
 */
#include "attention.h"
#include "ops.h" /* first, unrenamed: attention.c's softmax is the dispatched one */

#define TIER_NAME2(base, tier) base##_##tier
#define TIER_NAME(base, tier) TIER_NAME2(base, tier)

#define llama_rmsnorm TIER_NAME(rmsnorm_code, LLAMA_TIER)
#define llama_softmax TIER_NAME(softmax_code, LLAMA_TIER)
#define llama_rope TIER_NAME(llama_rope, LLAMA_TIER)
#define llama_swiglu TIER_NAME(llama_swiglu, LLAMA_TIER)
#define llama_attention TIER_NAME(llama_attention, LLAMA_TIER)
void llama_rmsnorm(float *o, const float *x, const float *weight, int size);
void llama_softmax(float *x, int size);
void llama_rope(float *q, float *k, int dim, int kv_dim, int head_size, int pos);
void llama_swiglu(float *hb, const float *hb2, int size);
void llama_attention(const struct llama_config *c, const float *q, const float *key_cache,
                     const float *value_cache, float *att, float *out, int pos);
#include "ops.c"
#undef llama_softmax /* attention's heads call the dispatched softmax */
#include "attention.c"
#undef llama_rmsnorm
#undef llama_rope
#undef llama_swiglu
#undef llama_attention

void TIER_NAME(llama_rmsnorm, LLAMA_TIER)(float *o, const float *x, const float *weight, int size);
void TIER_NAME(llama_softmax, LLAMA_TIER)(float *x, int size);

#ifdef LLAMA_DIM
/* flatten: the kernel's code is inlined into each branch, where the length is a constant. */
#define SPECIALISED __attribute__((flatten))
#define WITH_LENGTH(length, constant, call)                                                        \
    do {                                                                                           \
        if ((length) == (constant)) {                                                              \
            call;                                                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#else
#define SPECIALISED
#define WITH_LENGTH(length, constant, call) ((void)0)
#endif

SPECIALISED void TIER_NAME(llama_rmsnorm, LLAMA_TIER)(float *o, const float *x,
                                                       const float *weight, int size)
{
    WITH_LENGTH(size, LLAMA_DIM, TIER_NAME(rmsnorm_code, LLAMA_TIER)(o, x, weight, LLAMA_DIM));
    TIER_NAME(rmsnorm_code, LLAMA_TIER)(o, x, weight, size);
}

SPECIALISED void TIER_NAME(llama_softmax, LLAMA_TIER)(float *x, int size)
{
    WITH_LENGTH(size, LLAMA_VOCAB, TIER_NAME(softmax_code, LLAMA_TIER)(x, LLAMA_VOCAB));
    TIER_NAME(softmax_code, LLAMA_TIER)(x, size);
}
