"""Records of "everything this depended on", checked by stat() and, for racy files, by content.

The no-op answer (bfbuild.noop) and the analysis cache (bfbuild.analysis_cache) both keep, after
a successful command, the state of every file it depended on (size, mtime, ctime, inode; for a
folder, the names in it; a file that does not exist is recorded as absent, so creating it
invalidates the record). A record holds only while every file still has that state.

A stat can miss an edit that lands in the same timestamp tick as the record (the "racy" case that
fools timestamp deciders). As git does for its index, files modified within that tick before the
record was written are not trusted on their stat alone: the record keeps their sha256, and the
check compares contents for them. How long a tick is depends on the file system: a file whose
mtime has a fraction of a second comes from one that stamps with the kernel's clock (a tick of
at most 10 ms; FINE_RACY_NS leaves a wide margin); a whole-second mtime may come from one that
keeps seconds only (or two, as FAT does): RACY_SECONDS.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from bfbuild.digest import file_sha256_or_none
from bfbuild.layout import PENDING_JOURNAL

RACY_SECONDS = 2.0
FINE_RACY_NS = 100_000_000
RECORD_VERSION = 3
# A record's first line: this and the sha256 of the JSON below it. A record damaged on disk,
# or edited, fails the check and counts as none: the command then does the whole work.
_HEADER = b"bfbuild-record sha256="
# A file changed while the command ran may have been read before the change: its state now does
# not describe what was built. Timestamps come from the kernel's coarse clock (a tick late at
# most), hence the margin before the command's start.
CHANGED_DURING_MARGIN_NS = 20_000_000  # two ticks at HZ=100
CHANGED_DURING = ["changed while the command ran"]  # never equal to a fingerprint


def fingerprint(path: str):
    """A file's stat; a folder's list of names (what package discovery sees: a folder's mtime
    would also move when bfout/ appears in it, and would be racy right after every build)."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            names = "\0".join(sorted(os.listdir(path)))
            return ["dir", hashlib.sha256(names.encode("utf-8", "surrogateescape")).hexdigest()]
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def record_path(root: Path, folder: str, argv: List[str], env_keys: Iterable[str] = (),
                cwd: Optional[str] = None, environ: Optional[Dict[str, str]] = None) -> Path:
    """Where the record of this command line lives: keyed by the argv, the current folder
    (patterns may be relative to it), PATH, the interpreter and the environment variables the
    command reads (this process's folder and environment unless given: the build server asks
    for its clients')."""
    environ = os.environ if environ is None else environ
    key = json.dumps({"argv": argv, "cwd": os.getcwd() if cwd is None else cwd,
                      "path": environ.get("PATH", ""), "python": sys.executable,
                      "env": {name: environ.get(name) for name in sorted(env_keys)}},
                     sort_keys=True)
    return root / folder / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".json")


def _full(base: str, name: str) -> str:
    # os.path, not pathlib: a record names a thousand files and is checked on every no-op.
    return name if os.path.isabs(name) else os.path.join(base, name)


def check(root: Path, path: Path) -> Optional[Dict]:
    """The payload of a record when every file it lists is as recorded, else None."""
    record = _read(root, path)
    if record is None:
        return None
    racy, base = record["racy"], str(root)
    for name, expected in record["files"].items():
        if not _holds(base, name, expected, racy):
            return None
    _settle(path, record, set())
    return record["payload"]


def changes(root: Path, path: Path) -> Optional[Tuple[Dict, Set[str]]]:
    """(payload, the names of the files that are not as recorded), or None without a usable
    record. Same test as check(), but every file is looked at."""
    record = _read(root, path)
    if record is None:
        return None
    racy, base = record["racy"], str(root)
    changed = {name for name, expected in record["files"].items()
               if not _holds(base, name, expected, racy)}
    _settle(path, record, changed)
    return record["payload"], changed


def _settle(path: Path, record: Dict, changed: Set[str]) -> None:
    """Drop from the record the racy files whose contents were just found as recorded and whose
    timestamp tick has passed: a later edit gives them a newer mtime, so their stat suffices
    from now on (git refreshes its index so). Saves hashing them again at every check."""
    now = time.time()
    settled = [name for name, digest in record["racy"].items()
               if digest is not None and name not in changed
               and _stat_like(record["files"].get(name)) and not _racy(record["files"][name][1], now)]
    if settled:
        for name in settled:
            del record["racy"][name]
        _store(path, record)


def _read(root: Path, path: Path) -> Optional[Dict]:
    if (root / PENDING_JOURNAL).exists():
        return None  # a killed build left outputs nothing vouches for: the engine removes them
    try:
        head, _, body = path.read_bytes().partition(b"\n")
        if head != _HEADER + hashlib.sha256(body).hexdigest().encode():
            return None  # damaged or edited: as if there were none
        record = json.loads(body)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return None
    if not all(isinstance(record.get(key), dict) for key in ("files", "racy", "payload")):
        return None
    return record


def _holds(base: str, name: str, expected, racy: Dict) -> bool:
    full = _full(base, name)
    if fingerprint(full) != expected:
        return False
    # A file changed within its timestamp tick, or a racy folder, cannot be told by its stat.
    return name not in racy or (racy[name] is not None and file_sha256_or_none(full) == racy[name])


def snapshot(root: Path, names: Iterable[str]) -> Dict[str, Tuple]:
    """The state of the files a command produced, as it ends: (fingerprint, sha256 when within
    its tick, else None) per name. A record written later (after the outcome was told, while the
    caller may already be changing files) takes these rather than what it would stat then."""
    now, base, states = time.time(), str(root), {}
    for name in set(names):
        full = _full(base, name)
        state = fingerprint(full)
        racy = _stat_like(state) and _racy(state[1], now)
        states[name] = (state, file_sha256_or_none(full) if racy else None, racy)
    return states


def write(root: Path, path: Path, files: Iterable[str], payload: Dict,
          started: Optional[float] = None, produced=()) -> None:
    """Record the state of `files` now, with the payload a later check returns. With `started`
    (the command's start, time.time()), a file other than those the command `produced` whose
    status changed since then is recorded as changed, so that the record never holds for it.
    `produced`: the names of the outputs, or their snapshot() taken when the command ended (the
    state recorded for them then)."""
    written_at = time.time()
    record = {"version": RECORD_VERSION, "written_at": written_at, "files": {}, "racy": {},
              "payload": payload}
    changed_after = None if started is None else started * 1e9 - CHANGED_DURING_MARGIN_NS
    taken = produced if isinstance(produced, dict) else {}
    produced = set(produced)
    base = str(root)
    for name in sorted(set(files)):
        if name in taken:
            record["files"][name], digest, racy = taken[name]
            if racy:
                record["racy"][name] = digest
            continue
        full = _full(base, name)
        state = record["files"][name] = fingerprint(full)
        if state is None or state[0] == "dir":
            continue
        if changed_after is not None and state[2] >= changed_after and name not in produced:
            record["files"][name] = CHANGED_DURING
        elif _racy(state[1], written_at):
            record["racy"][name] = file_sha256_or_none(full)
    _store(path, record)


def _stat_like(state) -> bool:
    return isinstance(state, list) and len(state) == 4 and isinstance(state[1], int)


def _racy(mtime_ns: int, then: float) -> bool:
    """Whether a file with this mtime may still change within its timestamp tick at time
    `then` (time.time()), unseen by stat."""
    window = FINE_RACY_NS if mtime_ns % 1_000_000_000 else RACY_SECONDS * 1e9
    return mtime_ns >= then * 1e9 - window


def _store(path: Path, record: Dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    body = json.dumps(record).encode()
    tmp.write_bytes(_HEADER + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    os.replace(tmp, path)
