"""The shape of what the action cache holds, checked before anything in it is used.

Entries are REAPI v2 `ActionResult` messages (bfbuild.engine.reapi): an action's entry lists its
output files with their digests; a compile's header manifest (the first level of its key) is an
ActionResult without outputs whose stdout holds the header names, one a line.

A cache (a shared folder, a server) is written by other machines and other people: an entry may be
truncated, hand-edited or hostile. Each entry is parsed into plain values or refused with BadEntry
naming what is wrong: at most MAX_ENTRY_BYTES, exit code 0, exactly the declared outputs (each
once, as regular files: no directory or symlink outputs), sha256 digests and sizes within bounds.
Header manifests may only name workspace-relative paths (no absolute path, no `..`, no control
characters); headers outside the workspace (the compiler's own) are covered by the toolchain's
identity in the action key, not by the manifest.
"""
from __future__ import annotations

import re
from typing import Dict, List

MAX_ENTRY_BYTES = 1 << 20  # an action entry or a manifest
MAX_BLOB_BYTES = 1 << 30  # one output
MAX_HEADERS = 10000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_FILES = ("output_directories", "output_symlinks", "output_file_symlinks",
              "output_directory_symlinks")


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
    from google.protobuf.message import DecodeError

    from bfbuild.engine.reapi.protos import ActionResult

    if len(raw) > MAX_ENTRY_BYTES:
        raise BadEntry(f"the {what} is larger than {MAX_ENTRY_BYTES} bytes")
    try:
        result = ActionResult.FromString(raw)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise BadEntry(f"the {what} is not a REAPI ActionResult ({exc.__class__.__name__})") from None
    if result.exit_code != 0:
        raise BadEntry(f"the {what} records a failed action (exit code {result.exit_code})")
    for field in _NOT_FILES:
        if len(getattr(result, field)):
            raise BadEntry(f"the {what} has {field.replace('_', ' ')}: bfbuild restores regular "
                           f"files only")
    return result


def parse_manifest(raw: bytes, where: str) -> List[str]:
    """The header names of a compile's manifest: an ActionResult without output files, its
    stdout the workspace-relative header paths, one a line."""
    result = _load(raw, f"{where} header manifest")
    if len(result.output_files):
        raise BadEntry(f"the {where} header manifest lists output files")
    try:
        text = result.stdout_raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEntry(f"the {where} header manifest is not UTF-8 text") from None
    headers = text.split("\n") if text else []
    if len(headers) > MAX_HEADERS:
        raise BadEntry(f"the {where} header manifest names more than {MAX_HEADERS} headers")
    for name in headers:
        if not workspace_relative(name):
            raise BadEntry(f"the {where} header manifest names {str(name)[:80]!r}, "
                           f"not a relative path inside the workspace")
    return headers


def parse_action_entry(raw: bytes, outputs: List[str], where: str) -> List[Dict]:
    """The outputs of an action entry, one per declared output, in the declared order:
    [{"path", "sha256", "size", "executable"}]."""
    result = _load(raw, f"{where} action entry")
    files = {}
    for item in result.output_files:
        if item.path in files or item.path not in outputs:
            raise BadEntry(f"the {where} action entry names {item.path[:80]!r} "
                           f"{'twice' if item.path in files else 'not an output of the action'}")
        files[item.path] = item
    checked = []
    for path in outputs:
        item = files.get(path)
        if item is None:
            raise BadEntry(f"the {where} action entry does not name output {path}")
        if not _SHA256.match(item.digest.hash):
            raise BadEntry(f"the {where} action entry has no valid sha256 for {path}")
        if not 0 <= item.digest.size_bytes <= MAX_BLOB_BYTES:
            raise BadEntry(f"the {where} action entry has no valid size for {path}")
        checked.append({"path": path, "sha256": item.digest.hash, "size": item.digest.size_bytes,
                        "executable": item.is_executable})
    return checked


def action_entry(files: List[Dict]) -> bytes:
    """The ActionResult of a successful action: [{"path", "sha256", "size", "executable"}]."""
    from bfbuild.engine.reapi.protos import ActionResult

    result = ActionResult(exit_code=0)
    for item in files:
        output = result.output_files.add(path=item["path"], is_executable=item["executable"])
        output.digest.hash, output.digest.size_bytes = item["sha256"], item["size"]
    result.execution_metadata.worker = "bfbuild"
    return result.SerializeToString(deterministic=True)


def manifest_entry(headers: List[str]) -> bytes:
    from bfbuild.engine.reapi.protos import ActionResult

    return ActionResult(exit_code=0, stdout_raw="\n".join(headers).encode("utf-8")
                        ).SerializeToString(deterministic=True)


def blobs_named(raw: bytes) -> List[str]:
    """The digests an entry names (nothing for a manifest or an unreadable entry): eviction."""
    try:
        result = _load(raw, "entry")
    except BadEntry:
        return []
    return [item.digest.hash for item in result.output_files]
