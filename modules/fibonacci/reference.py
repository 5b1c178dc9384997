#!/usr/bin/env python3
"""Expected result of the fibonacci module: recursive fib(20), F(10000*work) mod 2^64 and
F(1000003*work) mod 1000000007, computed with Python integers."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import M32, M64, reference_main  # noqa: E402


def fib_pair(n):
    """(F(n), F(n+1)) exactly, by fast doubling on Python integers."""
    if n == 0:
        return 0, 1
    a, b = fib_pair(n >> 1)
    c = a * (2 * b - a)
    d = a * a + b * b
    return (d, c + d) if n & 1 else (c, d)


def fib_mod(n, m):
    a, b = 0, 1
    for bit in bin(n)[2:]:
        a, b = (a * (2 * b - a)) % m, (a * a + b * b) % m
        if bit == "1":
            a, b = b, (a + b) % m
    return a


def expect(args):
    rec = fib_pair(20)[0]
    it = fib_pair((10000 * args.work) & M32)[0] & M64
    fd = fib_mod((1000003 * args.work) & M32, 1000000007)
    return "rec=%d it=0x%016x fd=%d" % (rec, it, fd)


if __name__ == "__main__":
    reference_main("fibonacci", expect)
