"""The shape of what the action cache holds, checked before anything in it is used.

A cache (a shared folder, a server) is written by other machines and other people: an entry may be
truncated, hand-edited or hostile. Each entry is parsed into plain values or refused with BadEntry
naming what is wrong. Header manifests may only name workspace-relative paths (no absolute path,
no `..`, no control characters); headers outside the workspace (the compiler's own) are covered by
the toolchain's identity in the action key, not by the manifest.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List

MAX_ENTRY_BYTES = 1 << 20  # an action entry or a manifest
MAX_BLOB_BYTES = 1 << 30  # one output
MAX_HEADERS = 10000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadEntry(Exception):
    """What a cache holds is malformed or unsafe; the action runs instead."""


class TooLarge(Exception):
    """A stored file or a server's answer is over its bound, or a fetch over its time."""


def limit_of(kind: str) -> int:
    """The size bound of what is stored under ac/ (entries, manifests) or cas/ (blobs)."""
    return MAX_BLOB_BYTES if kind == "cas" else MAX_ENTRY_BYTES


def workspace_relative(path: str) -> bool:
    """A path inside the workspace, spelled without tricks."""
    if not isinstance(path, str) or not path or len(path) > 4096:
        return False
    if path.startswith("/") or _CONTROL.search(path):
        return False
    return ".." not in path.split("/")


def _load(raw: bytes, what: str):
    if len(raw) > MAX_ENTRY_BYTES:
        raise BadEntry(f"the {what} is larger than {MAX_ENTRY_BYTES} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadEntry(f"the {what} is not JSON ({exc.__class__.__name__})") from None


def parse_manifest(raw: bytes, where: str) -> List[str]:
    """The header names of a compile's manifest: {"headers": [relative paths]}."""
    data = _load(raw, f"{where} header manifest")
    headers = data.get("headers") if isinstance(data, dict) else None
    if not isinstance(headers, list) or len(headers) > MAX_HEADERS:
        raise BadEntry(f"the {where} header manifest has no list of at most {MAX_HEADERS} headers")
    for name in headers:
        if not workspace_relative(name):
            raise BadEntry(f"the {where} header manifest names {str(name)[:80]!r}, "
                           f"not a relative path inside the workspace")
    return headers


def parse_action_entry(raw: bytes, outputs: List[str], where: str) -> List[Dict]:
    """The outputs of an action entry: {"outputs": [{"path", "sha256", "size"}]}, one per
    declared output, in order."""
    data = _load(raw, f"{where} action entry")
    entries = data.get("outputs") if isinstance(data, dict) else None
    if not isinstance(entries, list) or len(entries) != len(outputs):
        raise BadEntry(f"the {where} action entry does not list the action's "
                       f"{len(outputs)} output(s)")
    checked = []
    for entry, path in zip(entries, outputs):
        if not isinstance(entry, dict) or entry.get("path") != path:
            raise BadEntry(f"the {where} action entry does not name output {path}")
        digest, size = entry.get("sha256"), entry.get("size")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise BadEntry(f"the {where} action entry has no valid sha256 for {path}")
        if type(size) is not int or not 0 <= size <= MAX_BLOB_BYTES:
            raise BadEntry(f"the {where} action entry has no valid size for {path}")
        checked.append({"path": path, "sha256": digest, "size": size})
    return checked
