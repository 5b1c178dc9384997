#!/usr/bin/env python3
"""Expected result of the fft_1d module: a recursive FFT with cmath twiddles (checked against a
direct DFT when run with --check), on the same integer signals."""
import cmath
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import Rng, rand_seed, reference_main, round_half_away  # noqa: E402

SEED = 0x46465431
N = 256
TOLERANCE = 2


def fft(x):
    n = len(x)
    if n == 1:
        return list(x)
    even, odd = fft(x[0::2]), fft(x[1::2])
    out = [0j] * n
    for k in range(n // 2):
        t = cmath.exp(-2j * math.pi * k / n) * odd[k]
        out[k] = even[k] + t
        out[k + n // 2] = even[k] - t
    return out


def dft(x):
    n = len(x)
    return [sum(x[t] * cmath.exp(-2j * math.pi * k * t / n) for t in range(n)) for k in range(n)]


def signal(rnd):
    rng = Rng(rand_seed(SEED, rnd))
    x = []
    for _ in range(N):
        r = rng.below(2001) - 1000
        i = rng.below(2001) - 1000
        x.append(complex(r, i))
    return x


def expect(args):
    e = a = b = l = 0.0
    x5 = 0j
    for rnd in range(args.work):
        x = signal(rnd)
        spec = fft(x)
        if args.check:
            assert max(abs(u - v) for u, v in zip(spec, dft(x))) < 1e-6
            assert abs(sum(abs(v) ** 2 for v in spec) / N - sum(abs(v) ** 2 for v in x)) < 1e-3
        for k, v in enumerate(spec):
            e += abs(v) ** 2 / N
            a += (k + 1) * v.real
            b += (k + 1) * v.imag
            l += abs(v.real) + abs(v.imag)
        x5 = spec[5]
    return "fft256 %d %d %d %d %d %d" % (
        round_half_away(e), round_half_away(a), round_half_away(b), round_half_away(l),
        round_half_away(x5.real * 1000), round_half_away(x5.imag * 1000))


if __name__ == "__main__":
    reference_main("fft_1d", expect, TOLERANCE,
                   flags=[("--check", "compare the FFT with a direct DFT")])
