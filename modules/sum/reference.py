#!/usr/bin/env python3
"""Expected result of the sum module: the same xorshift32 arrays reduced with Python integers."""
import argparse
import json

M32 = 0xFFFFFFFF
SEED = 0x53554D31
N = 4096


def seed_for(base, rnd):
    s = (base ^ (rnd * 0x9E3779B9)) & M32
    return s if s else 0x6A09E667


def xorshift32(state):
    state ^= (state << 13) & M32
    state ^= state >> 17
    state ^= (state << 5) & M32
    return state


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    values = []
    alt = 0
    for rnd in range(work):
        s = seed_for(SEED, rnd)
        for i in range(N):
            s = xorshift32(s)
            values.append(s)
            signed = s - (1 << 32) if s >= 1 << 31 else s
            alt += -signed if i & 1 else signed
    total = sum(values) % (1 << 64)
    squares = sum(v * v for v in values) % (1 << 64)
    alt = (alt + (1 << 63)) % (1 << 64) - (1 << 63)
    text = "sum=%d sq=0x%016x alt=%d max=%d" % (total, squares, alt, max(values) if values else 0)
    print(json.dumps({"module": "sum", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
