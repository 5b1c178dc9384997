/*
 * compute: a mix of integer work, per unit of `work`:
 *   - Collatz trajectories of 256 consecutive starting values (64-bit intermediate values),
 *   - Euclid's gcd of 256 pseudo-random pairs,
 *   - integer square roots of 32 pseudo-random 64-bit values (Newton, 64-bit division),
 *   - signed 64-bit quotients and remainders of 48 pseudo-random pairs,
 *   - a modular exponentiation modulo the prime 4294967291 (64-bit remainders).
 * Result: "collatz=<steps> max=<steps>@<start> gcd=<sum> isqrt=<hex> div=<hex> mod=<hex> pow=<u32>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define COMPUTE_SEED 0x434F4D50u
#define POW_MOD 4294967291u

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static uint64_t isqrt64(uint64_t n)
{
    uint64_t x, y;
    int bits = 0;
    if (n < 2)
        return n;
    for (x = n; x; x >>= 1)
        bits++;
    x = (uint64_t)1 << ((bits + 1) / 2); /* >= sqrt(n) */
    y = (x + n / x) >> 1;
    while (y < x) {
        x = y;
        y = (x + n / x) >> 1;
    }
    return x;
}

static uint32_t powmod(uint32_t base, uint32_t exp, uint32_t mod)
{
    uint64_t r = 1, b = base % mod;
    while (exp) {
        if (exp & 1u)
            r = r * b % mod;
        b = b * b % mod;
        exp >>= 1;
    }
    return (uint32_t)r;
}

static uint64_t rand64(uint32_t *state)
{
    uint64_t hi = bf_rand_next(state);
    uint64_t lo = bf_rand_next(state);
    return hi << 32 | lo;
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint64_t collatz_total = 0, sqrt_sum = 0, div_sum = 0, mod_sum = 0;
    uint32_t max_steps = 0, max_start = 0, gcd_sum = 0, pw = 1;
    uint32_t round, i;

    for (round = 0; round < work; round++) {
        uint32_t state = bf_rand_seed(COMPUTE_SEED, round);

        for (i = 1; i <= 256; i++) {
            uint32_t start = round * 256 + i, steps = 0;
            uint64_t v = start;
            while (v != 1) {
                v = (v & 1u) ? 3 * v + 1 : v >> 1;
                steps++;
            }
            collatz_total += steps;
            if (steps > max_steps) {
                max_steps = steps;
                max_start = start;
            }
        }

        for (i = 0; i < 256; i++) {
            uint32_t a = bf_rand_next(&state);
            uint32_t b = bf_rand_next(&state) >> (i & 15u);
            gcd_sum += gcd32(a, b);
        }

        for (i = 0; i < 32; i++) {
            uint64_t n = rand64(&state) >> (i & 31u);
            sqrt_sum += isqrt64(n);
        }

        for (i = 0; i < 48; i++) {
            int64_t a = (int64_t)rand64(&state);
            uint64_t bu = rand64(&state);
            uint32_t shift = 1 + bf_rand_below(&state, 62);
            uint32_t neg = bf_rand_next(&state) & 1u;
            int64_t b;
            bu = (bu >> shift) | 1u;
            b = neg ? -(int64_t)bu : (int64_t)bu;
            div_sum += (uint64_t)(a / b);
            mod_sum += (uint64_t)(a % b);
        }

        pw = (uint32_t)(((uint64_t)pw * powmod(3, bf_rand_next(&state), POW_MOD)) % POW_MOD);
    }
    api->format(result->text, sizeof result->text,
                "collatz=%llu max=%u@%u gcd=%u isqrt=0x%llx div=0x%llx mod=0x%llx pow=%u",
                (unsigned long long)collatz_total, max_steps, max_start, gcd_sum,
                (unsigned long long)sqrt_sum, (unsigned long long)div_sum,
                (unsigned long long)mod_sum, pw);
    return 0;
}
