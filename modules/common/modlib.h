/*
 * Shared helpers of the benchmark modules: the C library functions the compiler may call
 * (defined in modlib.c), a deterministic PRNG that modlib.py, the host side every reference.py
 * imports, re-implements bit-exactly, and a rounding helper for floating-point results.
 */
#ifndef BF_MODLIB_H
#define BF_MODLIB_H

#include <stdint.h>

typedef __SIZE_TYPE__ bf_size_t;

void *memcpy(void *dst, const void *src, bf_size_t n);
void *memmove(void *dst, const void *src, bf_size_t n);
void *memset(void *dst, int c, bf_size_t n);
int memcmp(const void *a, const void *b, bf_size_t n);

/*
 * xorshift32 (Marsaglia, shifts 13/17/5). The state must never be 0.
 * Python: x ^= (x << 13) & 0xFFFFFFFF; x ^= x >> 17; x ^= (x << 5) & 0xFFFFFFFF
 */
static inline uint32_t bf_rand_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* The seed of round `round` of a module whose base seed is `base`: never 0. */
static inline uint32_t bf_rand_seed(uint32_t base, uint32_t round)
{
    uint32_t s = base ^ (round * 0x9E3779B9u);
    return s ? s : 0x6A09E667u;
}

/* A value in [0, n) (n > 0): the next output modulo n. */
static inline uint32_t bf_rand_below(uint32_t *state, uint32_t n)
{
    return bf_rand_next(state) % n;
}

/* Round half away from zero to a 32-bit integer (the caller keeps |x| < 2^31). */
static inline int32_t bf_round(double x)
{
    return x >= 0.0 ? (int32_t)(x + 0.5) : -(int32_t)(-x + 0.5);
}

/* Round half away from zero to a 64-bit integer (the caller keeps |x| < 2^63). */
static inline int64_t bf_round64(double x)
{
    return x >= 0.0 ? (int64_t)(x + 0.5) : -(int64_t)(-x + 0.5);
}

#endif
