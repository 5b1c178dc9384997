#!/usr/bin/env python3
"""Expected result of the sha256 module: hashlib.sha256 of the same xorshift32 byte stream."""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import Rng, reference_main  # noqa: E402

SEED = 0x53484132
CHUNK = 4096


def expect(args):
    rng = Rng(SEED)  # rand_seed(SEED, 0) == SEED
    words = [rng.next() for _ in range(args.work * CHUNK // 4)]
    data = struct.pack("<%dI" % len(words), *words)
    return "sha256=%s len=%d" % (hashlib.sha256(data).hexdigest(), len(data))


if __name__ == "__main__":
    reference_main("sha256", expect)
