"""The local action cache folder: ac/<xx>/<Action digest> (a REAPI ActionResult) and
cas/<xx>/<sha256>, kept within a size limit by least-recently-used eviction (docs/caching.md,
"Size limit and eviction").

A read or a store of bytes already there touches the file (its mtime: atime is not kept on
noatime mounts). `prune()` removes the least recently used action entries, each before the blobs
that no remaining entry names, so a concurrent restore that finds a blob gone finds its entry gone
too (bfbuild.engine.cache treats that as a miss); blobs used within GRACE seconds stay. Eviction
and the hit/miss counts (stats.json) are serialised by flock() on the folder's `lock` file.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

from bfbuild.engine.cache_entries import MAX_ENTRY_BYTES, TooLarge, blobs_named, limit_of

BLOCK = 4096  # what a small file takes on disk at least, for the running size estimate
LOW_WATER = 0.9  # eviction goes down to this share of the limit, so it does not run every build
GRACE = 2.0  # seconds: a blob written or used this recently may belong to a store or a restore
#              in flight in another process; eviction leaves it alone
TEMP_AGE = 3600  # seconds after which a leftover temporary file (a killed writer's) is removed
STATS_FILE = "stats.json"  # hits, misses, and the size at the last scan (bytes on disk)
LOCK_FILE = "lock"  # flock()ed while the stats are updated or the folder is pruned


class LocalStore:
    """A cache folder: ac/<xx>/<key>, cas/<xx>/<sha256>. Reads touch what they return (the
    least recently used entries are evicted first)."""

    def __init__(self, root: str):
        self.root = root
        self.stored = 0  # bytes written (whole blocks), for the folder's running size

    def path(self, kind: str, key: str) -> str:
        return os.path.join(self.root, kind, key[:2], key)

    def get(self, kind: str, key: str) -> Optional[bytes]:
        """The stored bytes, or None; a folder, device or oversized file raises TooLarge."""
        try:
            fd = os.open(self.path(kind, key), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit_of(kind):
                raise TooLarge(f"local {kind}/{key[:12]}... is not a regular file of at most "
                               f"{limit_of(kind)} bytes")
            data = handle.read(limit_of(kind) + 1)
            _touch(fd)
            return data

    def exists(self, kind: str, key: str) -> bool:
        try:
            return stat.S_ISREG(os.lstat(self.path(kind, key)).st_mode)
        except OSError:
            return False

    def put(self, kind: str, key: str, data: bytes) -> None:
        folder = os.path.join(self.root, kind, key[:2])
        final = os.path.join(folder, key)
        if kind == "cas":  # named by its digest: the same bytes are there already, mark them used
            try:
                fd = os.open(final, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                fd = None
            if fd is not None:
                try:
                    info = os.fstat(fd)
                    if stat.S_ISREG(info.st_mode) and info.st_size == len(data):
                        _touch(fd)
                        return
                finally:
                    os.close(fd)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{key}.{os.getpid()}.{threading.get_ident()}")
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, final)
        self.stored += -(-len(data) // BLOCK) * BLOCK or BLOCK


def _touch(fd: int) -> None:
    """Record a use: the file's mtime becomes now (atime is unreliable: noatime, relatime)."""
    try:
        os.utime(fd)
    except OSError:
        pass  # a read-only shared folder: its owner's eviction order stays as it is


# -- size limit and eviction ----------------------------------------------------------------

@dataclass
class CacheFile:
    kind: str  # "ac" or "cas"
    key: str
    path: str
    size: int  # bytes on disk
    used: float  # mtime: when it was last written or read


@dataclass
class PruneResult:
    entries: int = 0  # action entries and header manifests removed
    blobs: int = 0
    freed: int = 0
    size: int = 0  # bytes on disk after pruning


def _disk_size(info: os.stat_result) -> int:
    return max(info.st_blocks * 512, info.st_size) if hasattr(info, "st_blocks") else info.st_size


def scan(root: str, now: Optional[float] = None) -> List[CacheFile]:
    """Every entry and blob of a cache folder; leftover temporary files older than TEMP_AGE
    (a writer killed between write and rename) are removed on the way."""
    now = time.time() if now is None else now
    found = []
    for kind in ("ac", "cas"):
        try:
            shards = list(os.scandir(os.path.join(root, kind)))
        except OSError:
            continue
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for item in files:
                try:
                    info = item.stat(follow_symlinks=False)
                except OSError:
                    continue  # removed meanwhile
                if item.name.startswith("."):
                    if now - info.st_mtime > TEMP_AGE:
                        _unlink(item.path)
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append(CacheFile(kind, item.name, item.path, _disk_size(info),
                                           info.st_mtime))
    return found


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def _blobs_named(path: str) -> List[str]:
    """The digests an action entry names (nothing for a manifest or an unreadable entry)."""
    try:
        with open(path, "rb") as handle:
            return blobs_named(handle.read(MAX_ENTRY_BYTES + 1))
    except OSError:
        return []


def prune(root: str, max_bytes: int, target: Optional[int] = None,
          files: Optional[List[CacheFile]] = None, now: Optional[float] = None) -> PruneResult:
    """Bring the folder down to `target` bytes (default LOW_WATER x max_bytes) once it holds
    more than max_bytes: least recently used action entries first, each with the blobs that no
    remaining entry names. Entries go before their blobs, so a concurrent restore that finds a
    blob gone also finds its entry gone (a miss). Blobs used within GRACE seconds stay (a store
    in flight elsewhere may be about to name them). The caller holds the folder's lock."""
    now = time.time() if now is None else now
    files = scan(root, now) if files is None else files
    result = PruneResult(size=sum(f.size for f in files))
    if result.size <= max_bytes:
        return result
    target = int(max_bytes * LOW_WATER) if target is None else target
    entries = sorted((f for f in files if f.kind == "ac"), key=lambda f: f.used)
    blobs = {f.key: f for f in files if f.kind == "cas"}
    named = {entry.key: _blobs_named(entry.path) for entry in entries}
    users: Dict[str, int] = {}
    for digests in named.values():
        for digest in set(digests):
            users[digest] = users.get(digest, 0) + 1

    def drop_blob(blob: CacheFile) -> None:
        if now - blob.used < GRACE:
            return
        if _unlink(blob.path):
            result.blobs += 1
            result.freed += blob.size
            result.size -= blob.size

    for digest, blob in sorted(blobs.items(), key=lambda item: item[1].used):
        if digest not in users:  # named by no entry (a store cut short, a removed entry)
            drop_blob(blob)
    for entry in entries:
        if result.size <= target:
            break
        if not _unlink(entry.path):
            continue
        result.entries += 1
        result.freed += entry.size
        result.size -= entry.size
        for digest in set(named[entry.key]):
            users[digest] -= 1
            if users[digest] == 0 and digest in blobs:
                drop_blob(blobs[digest])
    return result


class CacheFolder:
    """The bookkeeping of a local cache folder: hit and miss counts, its size, the limit."""

    def __init__(self, root: str):
        self.root = root

    def _lock(self, blocking: bool = True):
        os.makedirs(self.root, exist_ok=True)
        fd = os.open(os.path.join(self.root, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None
            raise
        return fd

    def stats(self) -> Dict:
        try:
            with open(os.path.join(self.root, STATS_FILE), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        return {name: data.get(name, 0) if isinstance(data.get(name, 0), (int, float)) else 0
                for name in ("local_hits", "remote_hits", "misses", "size_at_scan",
                             "stored_since_scan", "scanned_at", "evicted_entries", "evicted_bytes")}

    def _save(self, data: Dict) -> None:
        tmp = os.path.join(self.root, f".{STATS_FILE}.{os.getpid()}")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, os.path.join(self.root, STATS_FILE))

    def record_build(self, local_hits: int, remote_hits: int, misses: int, stored: int,
                     max_bytes: int) -> Optional[PruneResult]:
        """Count a build's hits and misses and the bytes it stored; when the folder may have
        grown past max_bytes, scan it and evict. Returns what eviction did, if it ran."""
        fd = self._lock()
        try:
            data = self.stats()
            data["local_hits"] += local_hits
            data["remote_hits"] += remote_hits
            data["misses"] += misses
            data["stored_since_scan"] += stored
            pruned = None
            if data["size_at_scan"] + data["stored_since_scan"] > max_bytes or not data["scanned_at"]:
                pruned = self._prune(data, max_bytes)
            self._save(data)
            return pruned
        finally:
            os.close(fd)

    def prune(self, max_bytes: int, target: Optional[int] = None) -> PruneResult:
        fd = self._lock()
        try:
            data = self.stats()
            pruned = self._prune(data, max_bytes, target)
            self._save(data)
            return pruned
        finally:
            os.close(fd)

    def _prune(self, data: Dict, max_bytes: int, target: Optional[int] = None) -> PruneResult:
        pruned = prune(self.root, max_bytes, target)
        data.update(size_at_scan=pruned.size, stored_since_scan=0, scanned_at=time.time())
        data["evicted_entries"] += pruned.entries
        data["evicted_bytes"] += pruned.freed
        return pruned


