/*
 * matrix_mul: 32x32 integer matrix product, arithmetic modulo 2^32. A and B hold pseudo-random
 * values in [-128, 127]; each unit of work computes C = A * B and then A = C (a chain of products).
 * Result: "chk=<weighted sum of C, hex> trace=<hex> c00=<hex> cnn=<hex>" of the last C.
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define N 32
#define MM_SEED 0x4D4D554Cu

static uint32_t A[N][N], B[N][N], C[N][N];

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t state = bf_rand_seed(MM_SEED, 0);
    uint32_t i, j, k, round, chk = 0, trace = 0;

    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            A[i][j] = (bf_rand_next(&state) & 0xFFu) - 128u;
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            B[i][j] = (bf_rand_next(&state) & 0xFFu) - 128u;
    memset(C, 0, sizeof C);

    for (round = 0; round < work; round++) {
        for (i = 0; i < N; i++) {
            for (j = 0; j < N; j++)
                C[i][j] = 0;
            for (k = 0; k < N; k++) {
                uint32_t a = A[i][k];
                for (j = 0; j < N; j++)
                    C[i][j] += a * B[k][j];
            }
        }
        memcpy(A, C, sizeof A);
    }
    for (i = 0; i < N; i++) {
        trace += C[i][i];
        for (j = 0; j < N; j++)
            chk += C[i][j] * (i * N + j + 1);
    }
    api->format(result->text, sizeof result->text, "chk=0x%08x trace=0x%08x c00=0x%08x cnn=0x%08x",
                chk, trace, C[0][0], C[N - 1][N - 1]);
    return 0;
}
