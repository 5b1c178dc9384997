"""The fast no-op: answer "up to date" without loading plugins, analysing or starting SCons.

After a successful build, bfbuild records the state of everything that build depended on: the
workspace's YAML files and the folders searched for them, bfbuild's and the plugins' own code,
the programs the actions run, and every input, output and header of every action. The next
invocation with the same command line first compares those files' stat() results with the record
(size, mtime, ctime, inode). Only when all are identical does it skip the build; any difference
hands the decision to the full build, where SCons compares contents.

Records are checked by stat and, for files changed just before the record, by content
(bfbuild.stat_record).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from bfbuild import stat_record
from bfbuild.layout import BUILD_RECORD, NOOP_DIR



def record_path(root: Path, argv: List[str], cwd: Optional[str] = None,
                environ: Optional[Dict[str, str]] = None) -> Path:
    return stat_record.record_path(root, NOOP_DIR, argv, cwd=cwd, environ=environ)


def check(root: Path, argv: List[str]) -> Optional[Dict]:
    """The stored report when nothing the last identical command depended on has changed."""
    return stat_record.check(root, record_path(root, argv))


def changes(root: Path, argv: List[str], path: Optional[Path] = None):
    """(the stored report, the files changed since) of the last identical command; None when
    there is no usable record (bfbuild.stat_record.changes)."""
    return stat_record.changes(root, path or record_path(root, argv))


def code_files() -> List[str]:
    """bfbuild's own modules and every plugin module that is loaded."""
    files = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        name = getattr(module, "__name__", "")
        if path and (name.startswith("bfbuild") or name.startswith("SCons")):
            files.append(path)
    return files


def write(root: Path, argv: List[str], files: Iterable[str], report: Dict, started: float,
          produced) -> None:
    """Record the state after a successful build that began at `started`, with the report a
    repeat prints; `produced` are the build's outputs, or their stat_record.snapshot() taken as
    the build ended (every other file edited during the build keeps the record from holding)."""
    stat_record.write(root, record_path(root, argv), files, report, started, produced)


def outputs(graph: Dict) -> List[str]:
    """The outputs of the actions of a graph's JSON."""
    return [output for action in graph["actions"] for output in action["outputs"]]


def answer(root: Path, report: Dict, started: float, out=None) -> None:
    """Print the stored report of the identical earlier command (under the workspace lock)."""
    out = out or sys.stdout
    record = root / BUILD_RECORD
    if record.exists():
        record.write_text("")
    for line in report["lines"]:
        print(line, file=out)
    print(f"bfbuild: nothing changed since the last identical command: {report['actions']} "
          f"action(s) up to date, engine not started, {time.time() - started:.3f}s", file=out)
