/*
 * 64-bit division helpers that clang calls on i686 for / and % on
 * (unsigned) long long. There is no compiler-rt in this build, so they
 * live here. Only shifts, compares and subtraction on 64-bit values are
 * used below, which the compiler inlines, so nothing here recurses.
 */
#include <stdint.h>

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    if (d == 0)
        __builtin_trap();   /* undefined behaviour; fail loudly */

    /* Common case: both fit in 32 bits, one DIV instruction. */
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        uint32_t n32 = (uint32_t)n, d32 = (uint32_t)d;
        *rem = n32 % d32;
        return n32 / d32;
    }
    if (d > n) {
        *rem = n;
        return 0;
    }

    /* Shift-and-subtract long division, one quotient bit per step. */
    int shift = __builtin_clzll(d) - __builtin_clzll(n);
    uint64_t q = 0;
    d <<= shift;
    for (; shift >= 0; shift--) {
        q <<= 1;
        if (n >= d) {
            n -= d;
            q |= 1;
        }
        d >>= 1;
    }
    *rem = n;
    return q;
}

static uint64_t uabs64(int64_t v)
{
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    return udivmod64(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
    uint64_t r;
    udivmod64(n, d, &r);
    return r;
}

/* C truncates toward zero: the quotient is negative when the signs differ. */
int64_t __divdi3(int64_t n, int64_t d)
{
    uint64_t r;
    uint64_t q = udivmod64(uabs64(n), uabs64(d), &r);
    return (int64_t)(((n < 0) != (d < 0)) ? 0 - q : q);
}

/* The remainder takes the sign of the dividend. */
int64_t __moddi3(int64_t n, int64_t d)
{
    uint64_t r;
    udivmod64(uabs64(n), uabs64(d), &r);
    return (int64_t)(n < 0 ? 0 - r : r);
}
