"""The sha256 of a file's contents, computed once per version of the file.

Every part of bfbuild that compares contents (the no-op check, the action cache, explain, test
results, rules reading inputs at analysis) asks here. A digest is remembered under the file's
identity (device, inode, size, modification and change times in nanoseconds): a rewrite gives a
new identity, so a remembered digest is never stale.
"""
from __future__ import annotations

import hashlib
import os
from typing import Dict, Optional, Tuple

_memo: Dict[Tuple, str] = {}


def file_sha256(path: str) -> str:
    """The hex sha256 of a file; raises OSError when it cannot be read."""
    info = os.stat(path)
    identity = (path, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    known = _memo.get(identity)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    _memo[identity] = digest.hexdigest()
    return _memo[identity]


def file_sha256_or_none(path: str) -> Optional[str]:
    """The digest, or None for a file that is gone or is a folder."""
    try:
        return file_sha256(path)
    except OSError:
        return None


def bytes_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
