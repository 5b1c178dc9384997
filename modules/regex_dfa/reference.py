#!/usr/bin/env python3
"""Expected result of the regex_dfa module: Python's re engine on the same generated text."""
import argparse
import json
import re

M32 = 0xFFFFFFFF
SEED = 0x52454758
TEXT_MAX = 4096
PATTERN = r"(?:ab|cd)+[0-9]*(?:x|yz)"


def seed_for(base, rnd):
    s = (base ^ (rnd * 0x9E3779B9)) & M32
    return s if s else 0x6A09E667


def generate(seed):
    s = seed

    def below(n):
        nonlocal s
        s ^= (s << 13) & M32
        s ^= s >> 17
        s ^= (s << 5) & M32
        return s % n

    out = []
    n = 0
    while n < TEXT_MAX - 2:
        k = below(10)
        if k in (0, 1):
            tok = "ab"
        elif k == 2:
            tok = "cd"
        elif k == 3:
            tok = "a"
        elif k == 4:
            tok = str(below(10))
        elif k == 5:
            tok = "x"
        elif k == 6:
            tok = "yz"
        elif k == 7:
            tok = "y"
        elif k == 8:
            tok = "bcdz"[below(4)]
        else:
            tok = " "
        out.append(tok)
        n += len(tok)
    return "".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=int, default=1)
    work = parser.parse_args().work
    rx = re.compile(PATTERN)
    look = re.compile("(?=%s)" % PATTERN)
    matches = chars = starts = total = 0
    for rnd in range(work):
        text = generate(seed_for(SEED, rnd))
        total += len(text)
        found = [m.group(0) for m in rx.finditer(text)]
        matches += len(found)
        chars += sum(len(f) for f in found)
        starts += len(look.findall(text))
    text = "matches=%d chars=%d starts=%d len=%d" % (matches, chars, starts, total)
    print(json.dumps({"module": "regex_dfa", "expect": text, "tolerance": 0}))


if __name__ == "__main__":
    main()
