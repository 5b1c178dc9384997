/* Attention, in run.c's order of operations. */
#include <bf/math.h>
#include "attention.h"
#include "ops.h"
#include "profile.h"

void llama_attention(const struct llama_config *c, const float *q, const float *key_cache,
                     const float *value_cache, float *att, float *out, int pos)
{
    uint64_t start = llama_prof_start();
    int head_size = c->dim / c->n_heads;
    int kv_dim = head_size * c->n_kv_heads;
    int kv_mul = c->n_heads / c->n_kv_heads; /* query heads sharing one key/value head */
    float scale = sqrtf((float)head_size);
    for (int h = 0; h < c->n_heads; h++) {
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
    llama_prof_stop(LLAMA_PROF_ATTENTION, start);
}
