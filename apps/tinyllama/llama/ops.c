/* RMSNorm, softmax, RoPE and SwiGLU (bf/math.h provides expf, powf, sinf, cosf, sqrtf). */
#include <bf/math.h>
#include "ops.h"
#include "profile.h"

void llama_rmsnorm(float *o, const float *x, const float *weight, int size)
{
    uint64_t start = llama_prof_start();
    float ss = 0.0f;
    for (int j = 0; j < size; j++)
        ss += x[j] * x[j];
    ss /= size;
    ss += 1e-5f;
    ss = 1.0f / sqrtf(ss);
    for (int j = 0; j < size; j++)
        o[j] = weight[j] * (ss * x[j]);
    llama_prof_stop(LLAMA_PROF_RMSNORM, start);
}

void llama_softmax(float *x, int size)
{
    uint64_t start = llama_prof_start();
    float max = x[0];
    for (int i = 1; i < size; i++)
        if (x[i] > max)
            max = x[i];
    float sum = 0.0f;
    for (int i = 0; i < size; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    for (int i = 0; i < size; i++)
        x[i] /= sum;
    llama_prof_stop(LLAMA_PROF_SOFTMAX, start);
}

void llama_rope(float *q, float *k, int dim, int kv_dim, int head_size, int pos)
{
    uint64_t start = llama_prof_start();
    for (int i = 0; i < dim; i += 2) {
        int head_dim = i % head_size;
        float freq = 1.0f / powf(10000.0f, head_dim / (float)head_size);
        float val = pos * freq;
        float fcr = cosf(val);
        float fci = sinf(val);
        /* The query has dim values, the key only kv_dim (grouped-query attention). */
        int rotations = i < kv_dim ? 2 : 1;
        for (int r = 0; r < rotations; r++) {
            float *vec = r == 0 ? q : k;
            float v0 = vec[i];
            float v1 = vec[i + 1];
            vec[i] = v0 * fcr - v1 * fci;
            vec[i + 1] = v0 * fci + v1 * fcr;
        }
    }
    llama_prof_stop(LLAMA_PROF_ROPE, start);
}

void llama_swiglu(float *hb, const float *hb2, int size)
{
    uint64_t start = llama_prof_start();
    for (int i = 0; i < size; i++) {
        float val = hb[i];
        val *= 1.0f / (1.0f + expf(-val)); /* silu(x) = x * sigmoid(x) */
        hb[i] = val * hb2[i];
    }
    llama_prof_stop(LLAMA_PROF_SWIGLU, start);
}
