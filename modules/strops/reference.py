#!/usr/bin/env python3
"""Expected result of the strops module: the same operations with Python's str methods."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import FNV_OFFSET, fnv1a32, reference_main  # noqa: E402

TEXT = (
    "The quick brown fox jumps over the lazy dog while the farmer is sleeping in the barn.\n"
    "Nothing interesting happens in the village, but the evening brings rain, and the rain\n"
    "keeps falling on the roofs, the fields and the winding road leading into the hills.\n"
    "In the morning the children are running, singing and laughing; the teacher is waiting\n"
    "at the gate, counting them one by one, then opening the door of the old building.\n"
    "Everything seems ordinary, yet something is changing: the river is rising, the wind is\n"
    "turning, and the people are gathering in the square to hear the news of the day.\n")

PATS = ["the", "in", "ing ", "e"]
REPS = ["THE", "inside", "", "ee"]


def expect(args):
    count = length = words = find = 0
    h = FNV_OFFSET
    for t in range(4 * args.work):
        pat, rep = PATS[t % 4], REPS[t % 4]
        count += TEXT.count(pat)
        out = TEXT.replace(pat, rep)[::-1]
        length += len(out)
        words += len(out.split())
        out = "".join(c.swapcase() if (i + t) % 3 == 0 else c for i, c in enumerate(out))
        find += out.find("eht") + 1
        for b in out.encode("ascii"):
            h = fnv1a32(h, b)
    return "count=%d len=%d words=%d find=%d hash=0x%08x" % (count, length, words, find, h)


if __name__ == "__main__":
    reference_main("strops", expect)
