#!/usr/bin/env python3
"""Expected result of the fibonacci module: recursive fib(20), F(10000*work) mod 2^64 and
F(1000003*work) mod 1000000007, computed with Python integers."""
import argparse
import json


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    rec = fib_pair(20)[0]
    it = fib_pair((10000 * work) & 0xFFFFFFFF)[0] % (1 << 64)
    fd = fib_mod((1000003 * work) & 0xFFFFFFFF, 1000000007)
    text = "rec=%d it=0x%016x fd=%d" % (rec, it, fd)
    print(json.dumps({"module": "fibonacci", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
