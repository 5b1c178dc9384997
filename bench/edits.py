"""The edit scenarios of cases 3 to 5. Every call makes a new edit (k is the run number), so no run
sees content an earlier run already built."""
from __future__ import annotations

import re
from pathlib import Path

from common import BenchError

STRING_C = "kernel/runtime/string.c"
IO_H = "kernel/include/bf/io.h"
VGA_C = "kernel/runtime/vga.c"
EDITED_FILES = (STRING_C, IO_H, VGA_C)


def append_function(root: Path, k: int) -> None:
    with open(root / STRING_C, "a") as handle:
        handle.write(f"\nint bench_edit_{k}(int x);\nint bench_edit_{k}(int x)\n"
                     f"{{\n    return x * {k} + 1;\n}}\n")


def append_define(root: Path, k: int) -> None:
    with open(root / IO_H, "a") as handle:
        handle.write(f"\n#define BF_BENCH_EDIT_{k} {k}\n")


_COMMENT_WORD = re.compile(r"(/\*|//)(\s*)([A-Za-z][\w-]*)")


def edit_comment(root: Path, k: int) -> None:
    """Replace the first word of the first comment line: same line count, same code."""
    path = root / VGA_C
    lines = path.read_text().split("\n")
    for index, line in enumerate(lines):
        match = _COMMENT_WORD.search(line)
        if match:
            lines[index] = (line[:match.start(3)] + f"edited{k}" + line[match.end(3):])
            break
    else:
        raise BenchError(f"no comment line in {VGA_C}")
    path.write_text("\n".join(lines))
