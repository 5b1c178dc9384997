#!/usr/bin/env python3
"""Expected result of the fft_1d module: a recursive FFT with cmath twiddles (checked against a
direct DFT when run with --check), on the same integer signals."""
import argparse
import cmath
import json
import math

M32 = 0xFFFFFFFF
SEED = 0x46465431
N = 256
TOLERANCE = 2


def seed_for(base, rnd):
    s = (base ^ (rnd * 0x9E3779B9)) & M32
    return s if s else 0x6A09E667


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


def round_half_away(v):
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def signal(rnd):
    s = seed_for(SEED, rnd)

    def below(n):
        nonlocal s
        s ^= (s << 13) & M32
        s ^= s >> 17
        s ^= (s << 5) & M32
        return s % n

    x = []
    for _ in range(N):
        r = below(2001) - 1000
        i = below(2001) - 1000
        x.append(complex(r, i))
    return x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="compare the FFT with a direct DFT")
    args = parser.parse_args()
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
    text = "fft256 %d %d %d %d %d %d" % (
        round_half_away(e), round_half_away(a), round_half_away(b), round_half_away(l),
        round_half_away(x5.real * 1000), round_half_away(x5.imag * 1000))
    print(json.dumps({"module": "fft_1d", "expect": text, "tolerance": TOLERANCE}))


if __name__ == "__main__":
    main()
