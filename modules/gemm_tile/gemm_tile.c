/*
 * gemm_tile: C = A * B for 48x48 single-precision matrices, tiled in 8x8 blocks (8x8 accumulator
 * tile, k stepped by 8). Entries are multiples of 1/4 in [-2, 2], so every product and partial sum
 * is exactly representable in float: the result is exact whatever the order or precision of the
 * arithmetic (x87 or SSE). Each unit of work multiplies a fresh pair of matrices.
 * Result: "chk=<FNV-1a over 16*C, hex> sum=<sum of 16*C> trace=<sum of 16*C[i][i]>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define N 48
#define T 8
#define GT_SEED 0x47454D4Du

static float A[N][N], B[N][N], C[N][N];

static void gemm_tiled(void)
{
    int ii, jj, kk, i, j, k;
    for (ii = 0; ii < N; ii += T) {
        for (jj = 0; jj < N; jj += T) {
            float acc[T][T];
            for (i = 0; i < T; i++)
                for (j = 0; j < T; j++)
                    acc[i][j] = 0.0f;
            for (kk = 0; kk < N; kk += T) {
                for (i = 0; i < T; i++) {
                    for (k = 0; k < T; k++) {
                        float a = A[ii + i][kk + k];
                        for (j = 0; j < T; j++)
                            acc[i][j] += a * B[kk + k][jj + j];
                    }
                }
            }
            for (i = 0; i < T; i++)
                for (j = 0; j < T; j++)
                    C[ii + i][jj + j] = acc[i][j];
        }
    }
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t chk = 2166136261u, round;
    int64_t sum = 0, trace = 0;
    int i, j;

    for (round = 0; round < work; round++) {
        uint32_t state = bf_rand_seed(GT_SEED, round);
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++)
                A[i][j] = (float)((int32_t)bf_rand_below(&state, 17) - 8) * 0.25f;
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++)
                B[i][j] = (float)((int32_t)bf_rand_below(&state, 17) - 8) * 0.25f;
        gemm_tiled();
        for (i = 0; i < N; i++) {
            for (j = 0; j < N; j++) {
                int32_t v = (int32_t)(C[i][j] * 16.0f);
                chk = (chk ^ (uint32_t)v) * 16777619u;
                sum += v;
                if (i == j)
                    trace += v;
            }
        }
    }
    api->format(result->text, sizeof result->text, "chk=0x%08x sum=%lld trace=%lld", chk,
                (long long)sum, (long long)trace);
    return 0;
}
