#!/usr/bin/env python3
"""Expected result of the primes module: a plain (unsegmented) sieve of [0, 32768 * work)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import M32, reference_main  # noqa: E402


def expect(args):
    limit = 32768 * min(args.work, 131071)
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    p = 2
    while p * p < limit:
        if sieve[p]:
            sieve[p * p::p] = bytes(len(range(p * p, limit, p)))
        p += 1
    primes = [n for n in range(limit) if sieve[n]]
    twins = sum(1 for a, b in zip(primes, primes[1:]) if b - a == 2)
    xr = 0
    for n in primes:
        xr ^= (n * 0x9E3779B1) & M32
    return "count=%d sum=%d last=%d twins=%d xor=0x%08x" % (
        len(primes), sum(primes), primes[-1] if primes else 0, twins, xr)


if __name__ == "__main__":
    reference_main("primes", expect)
