#!/usr/bin/env python3
"""Expected result of the physics_step module: the same position-Verlet integration with every
operation rounded to IEEE single precision (struct round trip), which is what strict float
arithmetic gives; x87 builds keep some temporaries in extended precision, hence the tolerance.
With --double the integration runs in double precision instead (a cross-check of the physics)."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import M32, Rng, reference_main, round_half_away  # noqa: E402

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


def expect(args):
    f = (lambda v: v) if args.double else f32
    steps = (100 * args.work) & M32
    rng = Rng(SEED)
    cx, cy, px, py = [], [], [], []
    for _ in range(N):
        x = (rng.below(2001) - 1000) / 128.0
        y = (rng.below(2001) - 1000) / 128.0
        vx = (rng.below(201) - 100) / 16.0
        vy = (rng.below(201) - 100) / 16.0
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
    return "phys %d %d %s" % (N, steps, " ".join(str(round_half_away(v * 1000.0)) for v in vals))


if __name__ == "__main__":
    reference_main("physics_step", expect, tolerance,
                   flags=[("--double", "integrate in double precision")])
