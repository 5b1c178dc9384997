#!/usr/bin/env python3
"""Expected result of the physics_step module: the same position-Verlet integration with every
operation rounded to IEEE single precision (struct round trip), which is what strict float
arithmetic gives; x87 builds keep some temporaries in extended precision, hence the tolerance.
With --double the integration runs in double precision instead (a cross-check of the physics)."""
import argparse
import json
import math
import struct

M32 = 0xFFFFFFFF
SEED = 0x50485953
N = 64
DT = 1.0 / 64
DT2 = 1.0 / 4096
K0 = 1.0
KC = 16.0
G = 0.5


def tolerance(work):
    """x87 builds keep temporaries in extended precision, so their results drift from strict
    float by a few units at scale 1000 (mostly in the sums), growing slowly with the number of
    steps: measured at -O1..-Oz, at most 6 up to work 40 and 12 at work 200."""
    return 8 + work // 10


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def round_half_away(v):
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    parser.add_argument("--double", action="store_true", help="integrate in double precision")
    args = parser.parse_args()
    f = (lambda v: v) if args.double else f32
    steps = (100 * args.work) & M32
    s = SEED

    def below(n):
        nonlocal s
        s ^= (s << 13) & M32
        s ^= s >> 17
        s ^= (s << 5) & M32
        return s % n

    cx, cy, px, py = [], [], [], []
    for _ in range(N):
        x = (below(2001) - 1000) / 128.0
        y = (below(2001) - 1000) / 128.0
        vx = (below(201) - 100) / 16.0
        vy = (below(201) - 100) / 16.0
        cx.append(x)
        cy.append(y)
        px.append(f(x - f(vx * DT)))
        py.append(f(y - f(vy * DT)))

    for _ in range(steps):
        nx, ny = [0.0] * N, [0.0] * N
        for i in range(N):
            left, right = (i - 1) % N, (i + 1) % N
            xi, yi = cx[i], cy[i]
            ax = f(f(KC * f(f(cx[left] - xi) + f(cx[right] - xi))) - f(K0 * xi))
            ay = f(f(f(KC * f(f(cy[left] - yi) + f(cy[right] - yi))) - f(K0 * yi)) - G)
            nx[i] = f(f(f(xi + xi) - px[i]) + f(ax * DT2))
            ny[i] = f(f(f(yi + yi) - py[i]) + f(ay * DT2))
        px, py, cx, cy = cx, cy, nx, ny

    sx = sy = sa = 0.0
    for i in range(N):
        sx += cx[i]
        sy += cy[i]
        sa += abs(cx[i]) + abs(cy[i])
    vals = [sx, sy, cx[0], cy[0], cx[N - 1], cy[N - 1], sa]
    text = "phys %d %d %s" % (N, steps, " ".join(str(round_half_away(v * 1000.0)) for v in vals))
    print(json.dumps({"module": "physics_step", "expect": text, "tolerance": tolerance(args.work)}))


if __name__ == "__main__":
    main()
