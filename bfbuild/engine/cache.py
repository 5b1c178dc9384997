"""The action cache: outputs of actions stored by content, shared between workspaces and machines.

Layout (the same locally and on a remote server, which speaks Bazel's HTTP cache protocol:
GET/PUT under /ac/ and /cas/, sha256 keys, so bazel-remote or nginx with WebDAV can serve it):
    ac/<action key>   JSON {"outputs": [{"path", "sha256", "size"}]}
    cas/<sha256>      an output's bytes
An action's key covers its own key (command line, environment, tool identities, parameters) and
the contents of its declared inputs. Compiles also read headers that only their depfile names, so
they get two levels, like ccache's direct mode: a manifest under the first key lists the headers
the last compile read, and the final key adds those headers' current contents. Every blob fetched
is checked against its digest and size; a wrong one is discarded (and the action runs), never
used. Read-only mode fetches but never stores.

Whatever a cache holds is input from outside the build: entries are validated against a strict
shape (bfbuild.engine.cache_entries) before anything in them is used, every read is bounded in
size and time, and a bad entry costs one warning line naming the action, then the action runs.

The local folder has a size limit (default 2 GiB) kept by least-recently-used eviction: a hit
touches the entry and its blobs (their mtime, so noatime mounts do not matter), and `prune()`
drops the least recently used action entries, then the blobs no remaining entry names. Eviction
runs while other bfbuilds read and write the folder: a blob removed under a restore is a miss,
never a wrong output (every blob is checked against its digest, and an entry whose blob is gone
is re-read: gone too means evicted, a plain miss).
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import stat
import sys
import threading
from typing import Dict, List, Optional, Tuple

from bfbuild.engine.cache_entries import (MAX_BLOB_BYTES, BadEntry, TooLarge,  # noqa: F401
                                          parse_action_entry, parse_manifest, workspace_relative)
from bfbuild.engine.cache_config import configured_limit
from bfbuild.engine.cache_local import CacheFolder, LocalStore
from bfbuild.digest import file_sha256
from bfbuild.engine.cache_remote import RemoteStore
from bfbuild.engine.steps import move_into_place, parse_depfile, temporary_path




def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def describe(spec: Dict) -> str:
    """The action as a warning names it: mnemonic, owner and its first output."""
    return f"{spec['mnemonic']} {spec['owner']} ({spec['outputs'][0]})"


class ActionCache:
    def __init__(self, local_dir: Optional[str], remote_url: Optional[str] = None,
                 readonly: bool = False, remote_readonly: bool = False):
        self.local = LocalStore(local_dir) if local_dir else None
        self.remote = RemoteStore(remote_url) if remote_url else None
        self.readonly = readonly
        self.remote_readonly = remote_readonly or readonly
        self.counts = {"local": 0, "remote": 0, "miss": 0}
        self._lock = threading.Lock()
        if self.local:
            atexit.register(self.record)

    def record(self) -> None:
        """When the engine ends: count this build's hits, misses and stored bytes in the local
        folder, and evict least recently used entries if it outgrew its limit."""
        if not any(self.counts.values()) and not self.local.stored:
            return
        try:
            limit, _ = configured_limit(self.local.root)
        except ValueError as exc:
            sys.stdout.write(f"cache: {exc}; the local cache is not pruned\n")
            return
        try:
            CacheFolder(self.local.root).record_build(self.counts["local"], self.counts["remote"],
                                                      self.counts["miss"], self.local.stored, limit)
        except OSError as exc:  # a read-only or vanished folder must not fail a finished build
            sys.stdout.write(f"cache: the local cache {self.local.root} was not updated ({exc})\n")

    # -- keys ---------------------------------------------------------------------------------
    @staticmethod
    def input_key(spec: Dict) -> str:
        parts = [spec["key"]] + [f"{path}={file_sha256(path)}" for path in spec["inputs"]]
        return _sha256("\n".join(parts).encode("utf-8", "surrogateescape"))

    @staticmethod
    def _header_key(first: str, headers: List[Tuple[str, str]]) -> str:
        return _sha256(json.dumps([first, headers]).encode())

    @staticmethod
    def _manifest_key(first: str) -> str:
        return _sha256(f"manifest:{first}".encode())

    def _current_headers(self, names: List[str]) -> Optional[List[Tuple[str, str]]]:
        """Each header's digest; None when one is gone or is not a regular file."""
        headers = []
        for name in names:
            try:
                if not stat.S_ISREG(os.stat(name).st_mode):
                    return None
            except OSError:
                return None
            headers.append((name, file_sha256(name)))
        return headers

    # -- storage, local first then remote -----------------------------------------------------
    def _get(self, kind: str, key: str) -> Tuple[Optional[bytes], str]:
        if self.local:
            data = self.local.get(kind, key)
            if data is not None:
                return data, "local"
        if self.remote:
            data = self.remote.get(kind, key)
            if data is not None:
                return data, "remote"
        return None, ""

    def _put(self, kind: str, key: str, data: bytes) -> None:
        if self.readonly:
            return
        if self.local:
            self.local.put(kind, key, data)
        if self.remote and not self.remote_readonly:
            self.remote.put(kind, key, data)

    # -- the two operations -------------------------------------------------------------------
    def restore(self, spec: Dict, journal) -> Tuple[Optional[str], List[str]]:
        """Write the action's outputs from the cache. Returns (where from, notes) or (None, notes).

        Anything wrong with what the cache holds gives one note naming the action, and a miss."""
        try:
            where, notes = self._restore(spec, journal)
        except (BadEntry, TooLarge) as exc:
            where, notes = None, [f"cache: discarded the entry of {describe(spec)}: {exc}; running it"]
        with self._lock:
            self.counts[where or "miss"] += 1
        return where, notes

    def _restore(self, spec: Dict, journal) -> Tuple[Optional[str], List[str]]:
        first = self.input_key(spec)
        key = first
        if spec.get("depfile"):
            raw, where = self._get("ac", self._manifest_key(first))
            if raw is None:
                return None, []
            names = parse_manifest(raw, where)
            headers = self._current_headers(names)
            if headers is None:
                return None, []
            key = self._header_key(first, headers)
        raw, where = self._get("ac", key)
        if raw is None:
            return None, []
        entries = parse_action_entry(raw, spec["outputs"], where)
        blobs = []
        for entry in entries:
            data, source = self._get("cas", entry["sha256"])
            if data is None:
                if where == "local" and not self.local.exists("ac", key):
                    return None, []  # evicted by another bfbuild meanwhile: a miss, not a fault
                raise BadEntry(f"the {where} entry names a blob no cache holds "
                               f"({entry['sha256'][:12]}... for {entry['path']})")
            if _sha256(data) != entry["sha256"] or len(data) != entry["size"]:
                raise BadEntry(f"a corrupted {source} blob for {entry['path']} "
                               f"(its digest does not match)")
            blobs.append(data)
        for path, data in zip(spec["outputs"], blobs):
            tmp = temporary_path(path)
            os.makedirs(os.path.dirname(tmp) or ".", exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(data)
        move_into_place(spec["outputs"], journal)
        return where, []

    def store(self, spec: Dict) -> None:
        """After a successful run: outputs into cas/, the entry into ac/ (and the manifest)."""
        if self.readonly:
            return
        first = self.input_key(spec)
        key = first
        if spec.get("depfile") and os.path.exists(spec["depfile"]):
            declared = set(spec["inputs"])
            # Headers outside the workspace belong to the toolchain, whose identity is in the key.
            names = [d for d in dict.fromkeys(parse_depfile(spec["depfile"]))
                     if d not in declared and workspace_relative(d)]
            headers = self._current_headers(names)
            if headers is None:
                return
            self._put("ac", self._manifest_key(first), json.dumps({"headers": names}).encode())
            key = self._header_key(first, headers)
        entries = []
        for path in spec["outputs"]:
            with open(path, "rb") as handle:
                data = handle.read()
            if len(data) > MAX_BLOB_BYTES:
                return
            digest = _sha256(data)
            self._put("cas", digest, data)
            entries.append({"path": path, "sha256": digest, "size": len(data)})
        self._put("ac", key, json.dumps({"outputs": entries}).encode())
