#!/usr/bin/env python3
"""Expected result of the matrix_mul module: the same chain of 32x32 products in Python integers,
reduced modulo 2^32 at the end."""
import argparse
import json

M32 = 0xFFFFFFFF
SEED = 0x4D4D554C
N = 32


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    s = SEED

    def rnd():
        nonlocal s
        s ^= (s << 13) & M32
        s ^= s >> 17
        s ^= (s << 5) & M32
        return s

    a = [[(rnd() & 0xFF) - 128 for _ in range(N)] for _ in range(N)]
    b = [[(rnd() & 0xFF) - 128 for _ in range(N)] for _ in range(N)]
    bt = list(zip(*b))
    c = [[0] * N for _ in range(N)]
    for _ in range(work):
        c = [[sum(x * y for x, y in zip(row, col)) & M32 for col in bt] for row in a]
        a = c
    trace = sum(c[i][i] for i in range(N)) & M32
    chk = sum(c[i][j] * (i * N + j + 1) for i in range(N) for j in range(N)) & M32
    text = "chk=0x%08x trace=0x%08x c00=0x%08x cnn=0x%08x" % (chk, trace, c[0][0] & M32,
                                                             c[N - 1][N - 1] & M32)
    print(json.dumps({"module": "matrix_mul", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
