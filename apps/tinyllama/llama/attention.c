/* Attention, in run.c's order of operations. */
#include <bf/math.h>
#include <bf/parallel.h>
#include "attention.h"
#include "ops.h"
#include "profile.h"

#ifndef LLAMA_TIER
void (*llama_attention_site)(const struct llama_config *, const float *, const float *,
                             const float *, float *, float *, int);
#endif

/* The arguments of one call, for the heads that bf_parallel_for hands to each processor. */
struct heads {
    const struct llama_config *c;
    const float *q, *key_cache, *value_cache;
    float *att, *out;
    int pos;
};

/* Heads begin..end; each reads its own query and writes its own scores and output only. */
static void attend(void *ctx, uint32_t begin, uint32_t end)
{
    const struct heads *args = ctx;
    const struct llama_config *c = args->c;
    const float *q = args->q, *key_cache = args->key_cache, *value_cache = args->value_cache;
    float *att = args->att, *out = args->out;
    int pos = args->pos;
    int head_size = c->dim / c->n_heads;
    int kv_dim = head_size * c->n_kv_heads;
    int kv_mul = c->n_heads / c->n_kv_heads; /* query heads sharing one key/value head */
    float scale = sqrtf((float)head_size);
    for (int h = (int)begin; h < (int)end; h++) {
        const float *qh = q + h * head_size;
        float *scores = att + h * c->seq_len;
        int kv_offset = (h / kv_mul) * head_size;
        for (int t = 0; t <= pos; t++) {
            const float *k = key_cache + t * kv_dim + kv_offset;
            float score = 0.0f;
            for (int i = 0; i < head_size; i++)
                score += qh[i] * k[i];
            scores[t] = score / scale;
        }
        llama_softmax(scores, pos + 1);
        float *oh = out + h * head_size;
        for (int i = 0; i < head_size; i++)
            oh[i] = 0.0f;
        for (int t = 0; t <= pos; t++) {
            const float *v = value_cache + t * kv_dim + kv_offset;
            float a = scores[t];
            for (int i = 0; i < head_size; i++)
                oh[i] += a * v[i];
        }
    }
}

/* Fewer multiply-adds than this run on one processor: handing the heads out would cost more. */
#define PARALLEL_MIN_MACS 4096

/* Heads are split across the processors (bf/parallel.h); a head's sums do not depend on which
 * processor runs it. Timed on the boot processor. */
void llama_attention(const struct llama_config *c, const float *q, const float *key_cache,
                     const float *value_cache, float *att, float *out, int pos)
{
    LLAMA_TIER_SITE(llama_attention_site, c, q, key_cache, value_cache, att, out, pos);
    uint64_t start = llama_prof_start();
    struct heads args = {c, q, key_cache, value_cache, att, out, pos};
    if (2 * (pos + 1) * c->dim >= PARALLEL_MIN_MACS)
        bf_parallel_for((uint32_t)c->n_heads, attend, &args);
    else
        attend(&args, 0, (uint32_t)c->n_heads);
    llama_prof_stop(LLAMA_PROF_ATTENTION, start);
}
