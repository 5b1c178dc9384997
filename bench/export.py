#!/usr/bin/env python3
"""Turn bfbuild's analysed action graph (bfout/.bfbuild/graph.json) into the build files a careful
user would write by hand for the same commands:

* an SConstruct (export_scons.py): one ``env.Command`` per action, ``Decider('content')``, header
  dependencies through ``env.ParseDepends`` on each depfile;
* a Makefile (export_make.py): one rule per action (several outputs become a grouped target
  ``&:``, GNU make >= 4.3), ``-include`` of the depfiles, ``mkdir -p`` of the output folders;
* a build.ninja (export_ninja.py): one build edge per action, depfiles read with ``deps = gcc``.

All write straight to the final output paths, as make, SCons and ninja normally do (bfbuild writes
under ``.bftmp/`` and renames). Python steps (``argv`` null) become a ``python3 -c`` command
calling the same function with the same inputs, outputs and parameters (export_common.py).

Optionally the compile actions (mnemonic ``CC``) are run through ``bench/count_cc.sh``, which
appends a line to a counter file and then runs the real compiler, so that a benchmark can count
compiler invocations.

Usage: python bench/export.py GRAPH [--makefile PATH] [--sconstruct PATH] [--ninja PATH]
                              [--python PY] [--count-cc COUNTER_FILE]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_common import action_argv, base_environment, load_graph  # noqa: E402,F401
from export_make import makefile_text  # noqa: E402
from export_ninja import ninja_text  # noqa: E402
from export_scons import sconstruct_text  # noqa: E402


def write(graph_path: os.PathLike, makefile: Optional[os.PathLike] = None,
          sconstruct: Optional[os.PathLike] = None, python: str = sys.executable,
          counter: Optional[str] = None, ninja: Optional[os.PathLike] = None) -> Dict:
    graph = load_graph(graph_path)
    if makefile:
        Path(makefile).write_text(makefile_text(graph, python, counter, str(graph_path)))
    if sconstruct:
        Path(sconstruct).write_text(sconstruct_text(graph, python, counter, str(graph_path)))
    if ninja:
        Path(ninja).write_text(ninja_text(graph, python, counter, str(graph_path)))
    return graph


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", help="bfout/.bfbuild/graph.json")
    parser.add_argument("--makefile", help="write a Makefile here")
    parser.add_argument("--sconstruct", help="write an SConstruct here")
    parser.add_argument("--ninja", help="write a build.ninja here")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for Python steps (default: this one)")
    parser.add_argument("--count-cc", metavar="FILE",
                        help="run CC actions through bench/count_cc.sh, counting into FILE")
    args = parser.parse_args(argv)
    if not (args.makefile or args.sconstruct or args.ninja):
        parser.error("nothing to write: give --makefile, --sconstruct and/or --ninja")
    counter = os.path.abspath(args.count_cc) if args.count_cc else None
    graph = write(args.graph, args.makefile, args.sconstruct, args.python, counter, args.ninja)
    print(f"{len(graph['actions'])} actions, {len(graph['goals'])} goals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
