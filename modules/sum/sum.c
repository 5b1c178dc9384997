/*
 * sum: fill an array of 4096 pseudo-random 32-bit values (one array per round, `work` rounds) and
 * reduce it: 64-bit sum, 64-bit sum of squares (wrapping), alternating signed sum, maximum.
 * Result: "sum=<u64> sq=<u64 hex> alt=<i64> max=<u32>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define SUM_N 4096u
#define SUM_SEED 0x53554D31u

static uint32_t values[SUM_N];

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint64_t total = 0, squares = 0;
    int64_t alt = 0;
    uint32_t max = 0, round, i;

    for (round = 0; round < work; round++) {
        uint32_t state = bf_rand_seed(SUM_SEED, round);
        for (i = 0; i < SUM_N; i++)
            values[i] = bf_rand_next(&state);
        for (i = 0; i < SUM_N; i++) {
            uint32_t v = values[i];
            total += v;
            squares += (uint64_t)v * v;
            if (i & 1u)
                alt -= (int32_t)v;
            else
                alt += (int32_t)v;
            if (v > max)
                max = v;
        }
    }
    api->format(result->text, sizeof result->text, "sum=%llu sq=0x%016llx alt=%lld max=%u",
                (unsigned long long)total, (unsigned long long)squares, (long long)alt, max);
    return 0;
}
