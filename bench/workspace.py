"""The workspace copies: one snapshot of the checkout, a copy of it per tool, and what the report
reads back from a copy (depfiles, digests of the goal outputs)."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from common import REPO

WORKSPACE_ITEMS = ("BUILD.yaml", "targets", "kernel", "apps", "modules", "toolchains")


def snapshot_workspace(destination: Path) -> None:
    """One consistent copy of the checkout's workspace; every tool's copy is made from it."""
    destination.mkdir(parents=True)
    ignore = shutil.ignore_patterns("bfout", "__pycache__", ".bftmp")
    for item in WORKSPACE_ITEMS:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, destination / item, ignore=ignore, symlinks=True)
        elif source.exists():
            shutil.copy2(source, destination / item)


def clone(snapshot: Path, destination: Path) -> Path:
    shutil.copytree(snapshot, destination, symlinks=True)
    return destination


def file_stat(path: Path):
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def parse_depfile(path: Path) -> List[str]:
    text = path.read_text(errors="replace").replace("\\\n", " ")
    deps = []
    for line in text.splitlines():
        _, sep, rest = line.partition(": ")
        if sep:
            deps += [os.path.normpath(t.replace("\\ ", " "))
                     for t in re.split(r"(?<!\\)\s+", rest.strip()) if t]
    return deps


def compiles_reading(root: Path, graph: Dict, relative: str) -> int:
    """CC actions whose inputs or depfile (directly or transitively included) name the file."""
    count = 0
    for spec in graph["actions"]:
        if spec["mnemonic"] != "CC":
            continue
        names = {os.path.normpath(i) for i in spec["inputs"]}
        if spec.get("depfile") and (root / spec["depfile"]).exists():
            names.update(parse_depfile(root / spec["depfile"]))
        count += relative in names
    return count


def goal_digests(root: Path, goals: Sequence[str]) -> Dict[str, Optional[str]]:
    digests = {}
    for goal in goals:
        path = root / goal
        digests[goal] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return digests
