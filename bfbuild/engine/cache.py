"""The action cache: outputs of actions stored by content, shared between workspaces and machines.

The format is REAPI v2's, the same locally and remotely (bfbuild.engine.reapi):
    ac/<Action digest>   an ActionResult: each output file's path and Digest
    cas/<sha256>         an output's bytes
An action's key is the digest of its REAPI Action: its Command (arguments, environment, output
paths), the Merkle tree of its input files and bfbuild's own key (tool identities, parameters) as
a platform property. Compiles also read headers that only their depfile names, so they get two
levels, like ccache's direct mode: a manifest under the Action with a salt lists the headers the
last compile read, and the final Action's input root adds those headers. Every blob fetched is
checked against its digest and size; a wrong one is discarded (and the action runs), never used.
Read-only mode fetches but never stores. A remote cache is a transport (cache_remote: Bazel's
HTTP protocol, or REAPI gRPC) with one interface: get/put of action results and of blobs.

Whatever a cache holds is input from outside the build: entries are validated against a strict
shape (bfbuild.engine.cache_entries) before anything in it is used, every read is bounded in
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
import os
import sys
import threading
from typing import Dict, List, Optional, Sequence, Tuple

from bfbuild.engine.cache_config import configured_limit
from bfbuild.engine.cache_entries import (MAX_BLOB_BYTES, BadEntry, TooLarge,  # noqa: F401
                                          action_entry, manifest_entry, parse_action_entry,
                                          parse_manifest, workspace_relative)
from bfbuild.engine.cache_local import CacheFolder, LocalStore
from bfbuild.engine.cache_remote import RemoteStore, open_remote  # noqa: F401
from bfbuild.engine.reapi import keys
from bfbuild.engine.steps import move_into_place, parse_depfile, temporary_path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def describe(spec: Dict) -> str:
    """The action as a warning names it: mnemonic, owner and its first output."""
    return f"{spec['mnemonic']} {spec['owner']} ({spec['outputs'][0]})"


class ActionCache:
    def __init__(self, local_dir: Optional[str], remote_url: Optional[str] = None,
                 readonly: bool = False, remote_readonly: bool = False,
                 headers: Sequence[Tuple[str, str]] = (), instance: str = ""):
        self.local = LocalStore(local_dir) if local_dir else None
        self.remote = open_remote(remote_url, headers, instance) if remote_url else None
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
    def action_key(spec: Dict, headers: Optional[List[str]] = None) -> keys.DigestPair:
        return keys.action_digest(spec, headers)

    @staticmethod
    def manifest_key(spec: Dict) -> keys.DigestPair:
        return keys.action_digest(spec, salt=keys.MANIFEST_SALT)

    # -- storage, local first then remote -----------------------------------------------------
    def _get_entry(self, key: keys.DigestPair) -> Tuple[Optional[bytes], str]:
        if self.local:
            data = self.local.get("ac", key[0])
            if data is not None:
                return data, "local"
        if self.remote:
            data = self.remote.get_action(key)
            if data is not None:
                return data, "remote"
        return None, ""

    def _get_blobs(self, digests: List[keys.DigestPair]) -> Dict[str, Tuple[bytes, str]]:
        found = {}
        for digest in digests:
            data = self.local.get("cas", digest[0]) if self.local else None
            if data is not None:
                found[digest[0]] = (data, "local")
        wanted = [d for d in digests if d[0] not in found]
        if self.remote and wanted:
            for name, data in self.remote.get_blobs(wanted).items():
                found[name] = (data, "remote")
        return found

    def _put(self, key: keys.DigestPair, entry: bytes, blobs: Dict[keys.DigestPair, bytes],
             remote_extra: Optional[Dict[keys.DigestPair, bytes]] = None) -> None:
        """Blobs first, then the entry naming them (a reader never finds an entry without them)."""
        if self.local:
            for digest, data in blobs.items():
                self.local.put("cas", digest[0], data)
            self.local.put("ac", key[0], entry)
        if self.remote and not self.remote_readonly:
            self.remote.put_blobs({**blobs, **(remote_extra or {})})
            self.remote.put_action(key, entry)

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
        headers = None
        if spec.get("depfile"):
            raw, where = self._get_entry(self.manifest_key(spec))
            if raw is None:
                return None, []
            headers = parse_manifest(raw, where)
        try:
            key = self.action_key(spec, headers)
        except OSError:
            return None, []  # a header the last compile read is gone or not a regular file
        raw, where = self._get_entry(key)
        if raw is None:
            return None, []
        entries = parse_action_entry(raw, spec["outputs"], where)
        blobs = self._get_blobs([(e["sha256"], e["size"]) for e in entries])
        for entry in entries:
            if entry["sha256"] not in blobs:
                if where == "local" and not self.local.exists("ac", key[0]):
                    return None, []  # evicted by another bfbuild meanwhile: a miss, not a fault
                raise BadEntry(f"the {where} entry names a blob no cache holds "
                               f"({entry['sha256'][:12]}... for {entry['path']})")
            data, source = blobs[entry["sha256"]]
            if _sha256(data) != entry["sha256"] or len(data) != entry["size"]:
                raise BadEntry(f"a corrupted {source} blob for {entry['path']} "
                               f"(its digest does not match)")
        for entry in entries:
            tmp = temporary_path(entry["path"])
            os.makedirs(os.path.dirname(tmp) or ".", exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(blobs[entry["sha256"]][0])
            if entry["executable"]:
                os.chmod(tmp, 0o755)
        move_into_place(spec["outputs"], journal)
        return where, []

    def store(self, spec: Dict) -> None:
        """After a successful run: outputs into cas/, the entry into ac/ (and the manifest)."""
        if self.readonly:
            return
        headers = None
        if spec.get("depfile") and os.path.exists(spec["depfile"]):
            declared = set(spec["inputs"])
            # Headers outside the workspace belong to the toolchain, whose identity is in the key.
            headers = [d for d in dict.fromkeys(parse_depfile(spec["depfile"]))
                       if d not in declared and workspace_relative(d)]
        try:
            key, messages = keys.action_messages(spec, headers)
        except OSError:
            return  # a header is gone or is not a regular file: nothing to key the entry by
        if headers is not None:
            self._put(self.manifest_key(spec), manifest_entry(headers), {})
        files, blobs = [], {}
        for path in spec["outputs"]:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BLOB_BYTES + 1)
            if len(data) > MAX_BLOB_BYTES:
                return
            digest = (_sha256(data), len(data))
            blobs[digest] = data
            files.append({"path": path, "sha256": digest[0], "size": digest[1],
                          "executable": bool(os.stat(path).st_mode & 0o100)})
        # Remotely the Action and its Command too, so that REAPI tools can show what it is for.
        self._put(key, action_entry(files), blobs, remote_extra=messages)
