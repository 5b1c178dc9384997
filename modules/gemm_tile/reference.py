#!/usr/bin/env python3
"""Expected result of the gemm_tile module: the same product in exact integer arithmetic (the
entries scaled by 4, so 16 * C is an integer matrix)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import FNV_OFFSET, Rng, fnv1a32, rand_seed, reference_main  # noqa: E402

SEED = 0x47454D4D
N = 48


def expect(args):
    chk = FNV_OFFSET
    total = trace = 0
    for rnd in range(args.work):
        rng = Rng(rand_seed(SEED, rnd))
        a4 = [[rng.below(17) - 8 for _ in range(N)] for _ in range(N)]  # 4 * A
        b4 = [[rng.below(17) - 8 for _ in range(N)] for _ in range(N)]  # 4 * B
        bt = list(zip(*b4))
        for i in range(N):
            for j in range(N):
                v = sum(x * y for x, y in zip(a4[i], bt[j]))  # 16 * C[i][j]
                chk = fnv1a32(chk, v)
                total += v
                if i == j:
                    trace += v
    return "chk=0x%08x sum=%d trace=%d" % (chk, total, trace)


if __name__ == "__main__":
    reference_main("gemm_tile", expect)
