/* Q8 checkpoints mapped onto the model, and activations quantised as runq.c does. */
#include <bf/math.h>
#include <bf/string.h>
#include "checkpoint.h"
#include "quant.h"

static int32_t le32(const uint8_t *b)
{
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
}

int llama_q8_map(const void *data, uint32_t size, struct llama_config *c, struct llama_weights *w,
                 const char **why)
{
    const uint8_t *bytes = data;
    if (size < LLAMA_Q8_HEADER_BYTES || le32(bytes + 4) != LLAMA_Q8_VERSION) {
        *why = "a q8 checkpoint, but not of version 2 (llama2.c's export --version 2)";
        return -1;
    }
    int32_t header[7];
    for (int i = 0; i < 7; i++)
        header[i] = le32(bytes + 8 + 4 * i);
    if (llama_config_from_header(header, c, why) != 0)
        return -1;
    c->shared_classifier = bytes[36] != 0; /* the vocabulary size is positive in this format */
    int group = le32(bytes + 37);
    if (group <= 0 || c->dim % group || c->hidden_dim % group) {
        *why = "its group size does not divide dim and hidden_dim";
        return -1;
    }
    uint32_t d = (uint32_t)c->dim, h = (uint32_t)c->hidden_dim, n = (uint32_t)c->n_layers;
    uint32_t kv = d / (uint32_t)c->n_heads * (uint32_t)c->n_kv_heads, v = (uint32_t)c->vocab_size;
    struct llama_q8_matrices *q = &w->q8;
    uint64_t vd = (uint64_t)v * d, dd = (uint64_t)d * d, kd = (uint64_t)kv * d, hd = (uint64_t)h * d;
    const uint64_t counts[LLAMA_MATRICES] = {vd, dd, kd, kd, dd, hd, hd, hd,
                                             c->shared_classifier ? 0 : vd};
    const uint32_t layers[LLAMA_MATRICES] = {1, n, n, n, n, n, n, n, 1};
    /* The header's bounds keep these sums in 64 bits far from overflow; once they equal the
     * 32-bit size, every count fits in 32 bits. */
    uint64_t total = LLAMA_Q8_HEADER_BYTES + 4 * ((uint64_t)2 * n * d + d);
    uint32_t values[LLAMA_MATRICES];
    for (int m = 0; m < LLAMA_MATRICES; m++) {
        total += layers[m] * (counts[m] + counts[m] / (uint64_t)group * 4);
        values[m] = (uint32_t)counts[m];
    }
    if (total != size) {
        *why = "its size does not match its header";
        return -1;
    }
    memset(w, 0, sizeof *w);
    const float *norms = (const float *)(bytes + LLAMA_Q8_HEADER_BYTES);
    w->rms_att = norms;
    w->rms_ffn = norms + n * d;
    w->rms_final = norms + 2 * n * d;
    const int8_t *p = (const int8_t *)(norms + 2 * n * d + d);
    q->group_size = group;
    for (int m = 0; m < LLAMA_MATRICES; m++) {
        q->first[m] = p;
        q->values[m] = values[m];
        p += layers[m] * (values[m] + values[m] / (uint32_t)group * 4);
    }
    if (c->shared_classifier) {
        q->first[LLAMA_WCLS] = q->first[LLAMA_EMBEDDING];
        q->values[LLAMA_WCLS] = q->values[LLAMA_EMBEDDING];
    }
    return 0;
}

const int8_t *llama_q8_values(const struct llama_q8_matrices *w, enum llama_matrix m, uint32_t layer)
{
    uint32_t stride = w->values[m] + w->values[m] / (uint32_t)w->group_size * 4;
    return w->first[m] + layer * stride;
}

const float *llama_q8_scales(const struct llama_q8_matrices *w, enum llama_matrix m, uint32_t layer)
{
    return (const float *)(llama_q8_values(w, m, layer) + w->values[m]);
}

/* round() of run.c's libm: the nearest integer, halves away from zero. */
static int8_t round_half_away(float v)
{
    int r = (int)v;
    float frac = v - (float)r; /* exact: r is v without its fraction */
    if (frac >= 0.5f)
        r++;
    else if (frac <= -0.5f)
        r--;
    return (int8_t)r;
}

void llama_q8_quantize(struct llama_q8_activation *a, const float *x, int n, int group_size)
{
    for (int g = 0; g < n / group_size; g++) {
        const float *group = x + g * group_size;
        float wmax = 0.0f;
        for (int i = 0; i < group_size; i++) {
            float value = fabsf(group[i]);
            if (value > wmax)
                wmax = value;
        }
        float scale = wmax / 127.0f;
        a->s[g] = scale;
        for (int i = 0; i < group_size; i++)
            a->q[g * group_size + i] = scale == 0.0f ? 0 : round_half_away(group[i] / scale);
    }
}
