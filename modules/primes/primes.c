/*
 * primes: segmented sieve of Eratosthenes over [0, 32768 * work) (work is clamped to 131071 so the
 * range fits in 32 bits), one 32 KiB segment per unit of work.
 * Result: "count=<primes> sum=<u64 sum> last=<largest prime> twins=<twin pairs> xor=<hex>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define SEG 32768u
#define MAX_WORK 131071u
#define BASE_MAX 65536u

static uint8_t base_composite[BASE_MAX + 1]; /* sieve of [0, 65536] for the base primes */
static uint32_t base_primes[6600];      /* primes <= 65536: 6542 of them */
static uint8_t segment[SEG];

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t limit_root, nbase = 0, i, j, round;
    uint32_t count = 0, last = 0, prev = 0, twins = 0, xr = 0;
    uint64_t sum = 0, limit;

    if (work > MAX_WORK)
        work = MAX_WORK;
    limit = (uint64_t)SEG * work; /* exclusive */

    /* limit_root = floor(sqrt(limit - 1)): the base primes needed. */
    limit_root = 0;
    while (limit > 0 && (uint64_t)(limit_root + 1) * (limit_root + 1) <= limit - 1)
        limit_root++;

    memset(base_composite, 0, sizeof base_composite);
    for (i = 2; i <= limit_root; i++) {
        if (base_composite[i])
            continue;
        base_primes[nbase++] = i;
        for (j = i * i; j <= limit_root; j += i)
            base_composite[j] = 1;
    }

    for (round = 0; round < work; round++) {
        uint32_t lo = round * SEG;
        uint64_t hi = (uint64_t)lo + SEG; /* exclusive */

        memset(segment, 0, sizeof segment);
        if (round == 0)
            segment[0] = segment[1] = 1;
        for (i = 0; i < nbase; i++) {
            uint32_t p = base_primes[i];
            uint64_t start = (uint64_t)p * p;
            if (start >= hi)
                break;
            if (start < lo)
                start = ((uint64_t)lo + p - 1) / p * p;
            for (j = (uint32_t)(start - lo); j < SEG; j += p)
                segment[j] = 1;
        }
        for (i = 0; i < SEG; i++) {
            if (!segment[i]) {
                uint32_t n = lo + i;
                count++;
                sum += n;
                xr ^= n * 0x9E3779B1u;
                if (prev && n - prev == 2)
                    twins++;
                prev = n;
                last = n;
            }
        }
    }
    api->format(result->text, sizeof result->text, "count=%u sum=%llu last=%u twins=%u xor=0x%08x",
                count, (unsigned long long)sum, last, twins, xr);
    return 0;
}
