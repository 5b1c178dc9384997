#!/usr/bin/env python3
"""Expected result of the quicksort module: Python's sorted() of the same arrays."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import FNV_OFFSET, Rng, fnv1a32, rand_seed, reference_main  # noqa: E402

SEED = 0x51534F52
N = 2048


def expect(args):
    chk = FNV_OFFSET
    arr = [0] * N
    for rnd in range(args.work):
        rng = Rng(rand_seed(SEED, rnd))
        arr = sorted(rng.below(200001) - 100000 for _ in range(N))
        for v in arr:
            chk = fnv1a32(chk, v)
    return "chk=0x%08x first=%d last=%d median=%d sorted=%d" % (chk, arr[0], arr[-1], arr[N // 2],
                                                                args.work)


if __name__ == "__main__":
    reference_main("quicksort", expect)
