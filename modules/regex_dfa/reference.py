#!/usr/bin/env python3
"""Expected result of the regex_dfa module: Python's re engine on the same generated text."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "common"))
from modlib import Rng, rand_seed, reference_main  # noqa: E402

SEED = 0x52454758
TEXT_MAX = 4096
PATTERN = r"(?:ab|cd)+[0-9]*(?:x|yz)"
# The token of each draw below(10), as regex_dfa.c's generator picks it; the draws in DRAWN give
# one character of their string, chosen by a further draw.
TOKENS = ("ab", "ab", "cd", "a", "0123456789", "x", "yz", "y", "bcdz", " ")
DRAWN = (4, 8)


def generate(seed):
    rng = Rng(seed)
    out = []
    n = 0
    while n < TEXT_MAX - 2:
        k = rng.below(10)
        tok = TOKENS[k]
        if k in DRAWN:
            tok = tok[rng.below(len(tok))]
        out.append(tok)
        n += len(tok)
    return "".join(out)


def expect(args):
    rx = re.compile(PATTERN)
    look = re.compile("(?=%s)" % PATTERN)
    matches = chars = starts = total = 0
    for rnd in range(args.work):
        text = generate(rand_seed(SEED, rnd))
        total += len(text)
        found = [m.group(0) for m in rx.finditer(text)]
        matches += len(found)
        chars += sum(len(f) for f in found)
        starts += len(look.findall(text))
    return "matches=%d chars=%d starts=%d len=%d" % (matches, chars, starts, total)


if __name__ == "__main__":
    reference_main("regex_dfa", expect)
