"""What every part of the benchmark shares: paths, the target, the names of the tools, the error
type, logging, and the environment the tools run in."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Optional

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"

TARGET = "//images:tinyllama"
MATRIX_CPUS = ("i686", "core2", "haswell")
STATE = Path("bfout/.bfbuild")  # graph.json and last_build.jsonl, relative to a workspace copy

NO_CACHE = "bfbuild --no-cache"
SERVER = "bfbuild (server)"  # the same command served by a warm build server (docs/server.md)
BUILDERS = ("bfbuild", SERVER)  # the rows the summary compares with each exported tool
# The tools that run the exported graph, in the order of the columns (ninja only when it runs).
EXPORTED_TOOLS = ("SCons", "make", "ninja")
TOOLS = ("bfbuild", SERVER, NO_CACHE) + EXPORTED_TOOLS  # the order of the rows in the tables


class BenchError(Exception):
    pass


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.splitlines()[-lines:])


def child_environment(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The caller's environment without what would change how the tools behave: make and SCons
    flags, bfbuild's cache settings (a user's cache must neither serve nor be filled), and
    PYTHONDONTWRITEBYTECODE (with it, every Python start compiles the modules it imports from
    source, as no user's machine does by default: SCons and bfbuild both pay for it)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SCONSFLAGS", "GNUMAKEFLAGS",
                        "PYTHONDONTWRITEBYTECODE")
           and not k.startswith("BFBUILD_")}
    env.update(extra or {})
    return env


def number_word(count: int) -> str:
    """'three tools', 'four tools': how the notes name the tools compared."""
    return {2: "two", 3: "three", 4: "four", 5: "five"}.get(count, str(count))


def and_list(names) -> str:
    """'SCons and make', 'SCons, make and ninja'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
