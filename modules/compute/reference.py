#!/usr/bin/env python3
"""Expected result of the compute module, computed with Python integers (math.gcd, math.isqrt,
pow) from the same xorshift32 stream."""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import M32, M64, Rng, rand_seed, reference_main, to_signed64  # noqa: E402

SEED = 0x434F4D50
POW_MOD = 4294967291


def trunc_divmod(a, b):
    """C99 semantics: quotient truncated towards zero, remainder with the sign of a."""
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - q * b


def expect(args):
    collatz_total = sqrt_sum = div_sum = mod_sum = 0
    max_steps = max_start = gcd_sum = 0
    pw = 1
    for rnd in range(args.work):
        rng = Rng(rand_seed(SEED, rnd))
        for i in range(1, 257):
            start = rnd * 256 + i
            v, steps = start, 0
            while v != 1:
                v = 3 * v + 1 if v & 1 else v >> 1
                steps += 1
            collatz_total += steps
            if steps > max_steps:
                max_steps, max_start = steps, start
        for i in range(256):
            a = rng.next()
            b = rng.next() >> (i & 15)
            gcd_sum += math.gcd(a, b)
        for i in range(32):
            sqrt_sum += math.isqrt(rng.next64() >> (i & 31))
        for i in range(48):
            a = to_signed64(rng.next64())
            bu = rng.next64()
            shift = 1 + rng.next() % 62
            neg = rng.next() & 1
            bu = (bu >> shift) | 1
            b = -bu if neg else bu
            q, r = trunc_divmod(a, b)
            div_sum += q
            mod_sum += r
        pw = pw * pow(3, rng.next(), POW_MOD) % POW_MOD
    return "collatz=%d max=%d@%d gcd=%d isqrt=0x%x div=0x%x mod=0x%x pow=%d" % (
        collatz_total, max_steps, max_start, gcd_sum & M32, sqrt_sum & M64, div_sum & M64,
        mod_sum & M64, pw)


if __name__ == "__main__":
    reference_main("compute", expect)
