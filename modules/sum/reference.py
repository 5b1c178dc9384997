#!/usr/bin/env python3
"""Expected result of the sum module: the same xorshift32 arrays reduced with Python integers."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import M64, Rng, rand_seed, reference_main, to_signed32, to_signed64  # noqa: E402

SEED = 0x53554D31
N = 4096


def expect(args):
    values = []
    alt = 0
    for rnd in range(args.work):
        rng = Rng(rand_seed(SEED, rnd))
        for i in range(N):
            s = rng.next()
            values.append(s)
            alt += -to_signed32(s) if i & 1 else to_signed32(s)
    total = sum(values) & M64
    squares = sum(v * v for v in values) & M64
    return "sum=%d sq=0x%016x alt=%d max=%d" % (total, squares, to_signed64(alt & M64),
                                                 max(values) if values else 0)


if __name__ == "__main__":
    reference_main("sum", expect)
