/*
 * fibonacci: naive recursive fib(20), the iterative sequence modulo 2^64 up to F(10000 * work),
 * and F(1000003 * work) modulo 1000000007 by fast doubling (64-bit products and remainders).
 * Result: "rec=<fib(20)> it=<F(10000*work) mod 2^64, hex> fd=<F(1000003*work) mod p>".
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define FD_MOD 1000000007u

/* Not static inline-able into a constant: the argument comes from a volatile. */
static uint32_t fib_rec(uint32_t n)
{
    return n < 2 ? n : fib_rec(n - 1) + fib_rec(n - 2);
}

static uint64_t fib_iter(uint32_t n)
{
    uint64_t a = 0, b = 1, t;
    uint32_t i;
    for (i = 0; i < n; i++) {
        t = a + b;
        a = b;
        b = t;
    }
    return a;
}

/* Fast doubling: F(2k) = F(k) * (2F(k+1) - F(k)), F(2k+1) = F(k)^2 + F(k+1)^2, modulo FD_MOD. */
static uint32_t fib_fast(uint32_t n)
{
    uint64_t a = 0, b = 1; /* F(k), F(k+1) with k = the bits of n read so far */
    int bit;
    for (bit = 31; bit >= 0; bit--) {
        uint64_t c = a * ((2 * b + FD_MOD - a) % FD_MOD) % FD_MOD;
        uint64_t d = (a * a + b * b) % FD_MOD;
        if ((n >> bit) & 1u) {
            a = d;
            b = (c + d) % FD_MOD;
        } else {
            a = c;
            b = d;
        }
    }
    return (uint32_t)a;
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    volatile uint32_t rec_n = 20;
    uint32_t rec = fib_rec(rec_n);
    uint64_t it = fib_iter(10000u * work);
    uint32_t fd = fib_fast(1000003u * work);

    api->format(result->text, sizeof result->text, "rec=%u it=0x%016llx fd=%u", rec,
                (unsigned long long)it, fd);
    return 0;
}
