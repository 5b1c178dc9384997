#!/usr/bin/env python3
"""Expected result of the quicksort module: Python's sorted() of the same arrays."""
import argparse
import json

M32 = 0xFFFFFFFF
SEED = 0x51534F52
N = 2048


def seed_for(base, rnd):
    s = (base ^ (rnd * 0x9E3779B9)) & M32
    return s if s else 0x6A09E667


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    chk = 2166136261
    arr = [0] * N
    for rnd in range(work):
        s = seed_for(SEED, rnd)
        values = []
        for _ in range(N):
            s ^= (s << 13) & M32
            s ^= s >> 17
            s ^= (s << 5) & M32
            values.append(s % 200001 - 100000)
        arr = sorted(values)
        for v in arr:
            chk = ((chk ^ (v & M32)) * 16777619) & M32
    text = "chk=0x%08x first=%d last=%d median=%d sorted=%d" % (chk, arr[0], arr[-1], arr[N // 2],
                                                               work)
    print(json.dumps({"module": "quicksort", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
