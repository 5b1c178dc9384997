#!/usr/bin/env python3
"""Expected result of the sha256 module: hashlib.sha256 of the same xorshift32 byte stream."""
import argparse
import hashlib
import json
import struct

M32 = 0xFFFFFFFF
SEED = 0x53484132
CHUNK = 4096


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    s = SEED  # seed_for(SEED, 0) == SEED
    words = []
    for _ in range(work * CHUNK // 4):
        s ^= (s << 13) & M32
        s ^= s >> 17
        s ^= (s << 5) & M32
        words.append(s)
    data = struct.pack("<%dI" % len(words), *words)
    text = "sha256=%s len=%d" % (hashlib.sha256(data).hexdigest(), len(data))
    print(json.dumps({"module": "sha256", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
