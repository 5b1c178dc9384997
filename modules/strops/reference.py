#!/usr/bin/env python3
"""Expected result of the strops module: the same operations with Python's str methods."""
import argparse
import json

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    count = length = words = find = 0
    h = 2166136261
    for t in range(4 * work):
        pat, rep = PATS[t % 4], REPS[t % 4]
        count += TEXT.count(pat)
        out = TEXT.replace(pat, rep)[::-1]
        length += len(out)
        words += len(out.split())
        out = "".join(c.swapcase() if (i + t) % 3 == 0 else c for i, c in enumerate(out))
        find += out.find("eht") + 1
        for b in out.encode("ascii"):
            h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    text = "count=%d len=%d words=%d find=%d hash=0x%08x" % (count, length, words, find, h)
    print(json.dumps({"module": "strops", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
