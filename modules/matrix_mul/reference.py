#!/usr/bin/env python3
"""Expected result of the matrix_mul module: the same chain of 32x32 products in Python integers,
reduced modulo 2^32 at the end."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import M32, Rng, reference_main  # noqa: E402

SEED = 0x4D4D554C
N = 32


def expect(args):
    rng = Rng(SEED)
    a = [[(rng.next() & 0xFF) - 128 for _ in range(N)] for _ in range(N)]
    b = [[(rng.next() & 0xFF) - 128 for _ in range(N)] for _ in range(N)]
    bt = list(zip(*b))
    c = [[0] * N for _ in range(N)]
    for _ in range(args.work):
        c = [[sum(x * y for x, y in zip(row, col)) & M32 for col in bt] for row in a]
        a = c
    trace = sum(c[i][i] for i in range(N)) & M32
    chk = sum(c[i][j] * (i * N + j + 1) for i in range(N) for j in range(N)) & M32
    return "chk=0x%08x trace=0x%08x c00=0x%08x cnn=0x%08x" % (chk, trace, c[0][0] & M32,
                                                              c[N - 1][N - 1] & M32)


if __name__ == "__main__":
    reference_main("matrix_mul", expect)
