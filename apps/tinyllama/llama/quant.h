/*
 * Q8 weights (llama2.c's runq.c): int8 values in groups of group_size along each row, one float
 * scale per group, value = q * scale. The file is llama2.c's export version 2 (docs/llama.md,
 * bfbuild_unikernel/llama/quant.py); activations are quantised the same way before each matmul,
 * whose group dot products are integer sums.
 */
#ifndef LLAMA_QUANT_H
#define LLAMA_QUANT_H

#include <stdint.h>

#define LLAMA_Q8_MAGIC 0x616b3432u /* "ak42" */
#define LLAMA_Q8_VERSION 2
#define LLAMA_Q8_HEADER_BYTES 256

/* The quantised matrices, in the file's order. */
enum llama_matrix {
    LLAMA_EMBEDDING, LLAMA_WQ, LLAMA_WK, LLAMA_WV, LLAMA_WO, LLAMA_W1, LLAMA_W2, LLAMA_W3,
    LLAMA_WCLS, LLAMA_MATRICES
};

struct llama_q8_matrices {
    int group_size;                      /* 0: the model's weights are float32 */
    const int8_t *first[LLAMA_MATRICES]; /* layer 0's values; its scales follow them */
    uint32_t values[LLAMA_MATRICES];     /* int8 values of one layer's matrix */
};

/* A quantised activation vector: buffers of the model's widest input (hidden_dim). */
struct llama_q8_activation {
    int8_t *q;
    float *s;
};

/* runq.c's quantize: per group, scale = max|x| / 127 and q = round(x / scale), halves away from
 * zero; a group of zeros gets scale 0 and zeros (runq.c would divide by 0). */
void llama_q8_quantize(struct llama_q8_activation *a, const float *x, int n, int group_size);

/* xout[d] = W[d][n] x for int8 W (scales ws, one per group of each row) and the quantised x:
 * per group an integer dot product, then val += (float)dot * w_scale * x_scale, in group order. */
void llama_q8_matmul(float *xout, const struct llama_q8_activation *x, const int8_t *wq,
                     const float *ws, int n, int d, int group_size);

/* One output of the matmul: `groups` groups of `group_size` int8 pairs (x, row), their integer
 * dot products combined as above. The SIMD ones need group_size a multiple of 16 and run after
 * their CPU check (the variant llama_matmul_select chose). */
typedef float (*llama_q8_row_fn)(const int8_t *x, const float *xs, const int8_t *row,
                                 const float *ws, int groups, int group_size);
float llama_q8_row_scalar(const int8_t *x, const float *xs, const int8_t *row, const float *ws,
                          int groups, int group_size);
float llama_q8_row_sse2(const int8_t *x, const float *xs, const int8_t *row, const float *ws,
                        int groups, int group_size);
float llama_q8_row_avx2(const int8_t *x, const float *xs, const int8_t *row, const float *ws,
                        int groups, int group_size);

/* Layer `layer`'s matrix m: its int8 values and their scales. */
const int8_t *llama_q8_values(const struct llama_q8_matrices *w, enum llama_matrix m, uint32_t layer);
const float *llama_q8_scales(const struct llama_q8_matrices *w, enum llama_matrix m, uint32_t layer);

#endif
