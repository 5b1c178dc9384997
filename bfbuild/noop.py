"""The fast no-op: answer "up to date" without loading plugins, analysing or starting SCons.

After a successful build, bfbuild records the state of everything that build depended on: the
workspace's YAML files and the folders searched for them, bfbuild's and the plugins' own code,
the programs the actions run, and every input, output and header of every action. The next
invocation with the same command line first compares those files' stat() results with the record
(size, mtime, ctime, inode). Only when all are identical does it skip the build; any difference
hands the decision to the full build, where SCons compares contents.

A stat can miss an edit that lands in the same timestamp tick as the record (the "racy" case that
fools timestamp deciders). As git does for its index, files modified less than RACY_SECONDS
before the record was written are not trusted on their stat alone: the record keeps their sha256,
and the check compares contents for them.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from bfbuild.digest import file_sha256_or_none

from bfbuild.layout import BUILD_RECORD, NOOP_DIR as RECORD_DIR, PENDING_JOURNAL
RACY_SECONDS = 2.0
RECORD_VERSION = 2


def _fingerprint(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _record_path(root: Path, argv: List[str]) -> Path:
    key = json.dumps({"argv": argv, "path": os.environ.get("PATH", ""),
                      "python": sys.executable}, sort_keys=True)
    return root / RECORD_DIR / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".json")


def _sha256(path: str) -> Optional[str]:
    return file_sha256_or_none(path)  # None for a folder, or a file that is gone


def check(root: Path, argv: List[str]) -> Optional[Dict]:
    """The stored report when nothing the last identical command depended on has changed."""
    if (root / PENDING_JOURNAL).exists():
        return None  # a killed build left outputs nothing vouches for: the engine removes them
    record_file = _record_path(root, argv)
    try:
        record = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return None
    if record.get("version") != RECORD_VERSION:
        return None
    racy = record.get("racy", {})
    for path, expected in record["files"].items():
        full = path if os.path.isabs(path) else str(root / path)
        if _fingerprint(full) != expected:
            return None
        if path in racy and (racy[path] is None or _sha256(full) != racy[path]):
            return None  # changed within its timestamp tick, or a racy folder: cannot tell
    return record["report"]


def code_files() -> List[str]:
    """bfbuild's own modules and every plugin module that is loaded."""
    files = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        name = getattr(module, "__name__", "")
        if path and (name.startswith("bfbuild") or name.startswith("SCons")):
            files.append(path)
    return files


def write(root: Path, argv: List[str], files: Iterable[str], report: Dict) -> None:
    """Record the state after a successful build. Files that do not exist are recorded too
    (as absent), so that creating them invalidates the record."""
    written_at = time.time()
    record = {"version": RECORD_VERSION, "argv": argv, "written_at": written_at,
              "files": {}, "racy": {}, "report": report}
    racy_after = (written_at - RACY_SECONDS) * 1e9
    for path in sorted(set(files)):
        full = path if os.path.isabs(path) else str(root / path)
        fingerprint = record["files"][path] = _fingerprint(full)
        if fingerprint is not None and fingerprint[1] >= racy_after:
            record["racy"][path] = _sha256(full)
    record_file = _record_path(root, argv)
    record_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = record_file.with_name(record_file.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, record_file)


def answer_if_unchanged(argv: List[str]) -> bool:
    """Print the stored report of an identical earlier command when nothing it depended on
    changed; False when the command must run."""
    from bfbuild.errors import BfError
    from bfbuild.lock import WorkspaceLock
    from bfbuild.loading.workspace import find_root

    started = time.time()
    try:
        root = find_root()
    except BfError:
        return False
    if not _record_path(root, argv).exists():
        return False  # never recorded: the lock (and bfout/) is not ours to create here
    with WorkspaceLock(root, " ".join(argv)):
        report = check(root, argv)
        if report is None:
            return False
        record = root / BUILD_RECORD
        if record.exists():
            record.write_text("")
    for line in report["lines"]:
        print(line)
    print(f"bfbuild: nothing changed since the last identical command: {report['actions']} "
          f"action(s) up to date, engine not started, {time.time() - started:.3f}s")
    return True
