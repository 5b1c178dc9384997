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
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional, Tuple

from bfbuild.engine.cache_entries import (MAX_BLOB_BYTES, MAX_ENTRY_BYTES, BadEntry, parse_action_entry,
                            parse_manifest, workspace_relative)
from bfbuild.engine.steps import move_into_place, parse_depfile, temporary_path

TIMEOUT = 10  # seconds for one remote request to connect, or to deliver its next bytes
DEADLINE = 60  # seconds for one remote fetch as a whole


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _limit(kind: str) -> int:
    return MAX_BLOB_BYTES if kind == "cas" else MAX_ENTRY_BYTES


class TooLarge(Exception):
    pass


class LocalStore:
    def __init__(self, root: str):
        self.root = root

    def get(self, kind: str, key: str) -> Optional[bytes]:
        """The stored bytes, or None; a folder, device or oversized file raises TooLarge."""
        try:
            fd = os.open(os.path.join(self.root, kind, key[:2], key), os.O_RDONLY | os.O_NOFOLLOW
                         | os.O_NONBLOCK)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > _limit(kind):
                raise TooLarge(f"local {kind}/{key[:12]}... is not a regular file of at most "
                               f"{_limit(kind)} bytes")
            return handle.read(_limit(kind) + 1)

    def put(self, kind: str, key: str, data: bytes) -> None:
        folder = os.path.join(self.root, kind, key[:2])
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{key}.{os.getpid()}.{threading.get_ident()}")
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, os.path.join(folder, key))


class RemoteStore:
    """Bazel's HTTP cache protocol: GET/PUT <url>/ac/<key> and <url>/cas/<sha256>."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.broken = False
        self._warned = False

    def _warn(self, message: str) -> None:
        if not self._warned:
            sys.stdout.write(f"remote cache: {message}; going on without it\n")
            self._warned = True
        self.broken = True

    def get(self, kind: str, key: str) -> Optional[bytes]:
        if self.broken:
            return None
        limit = _limit(kind)
        try:
            with urllib.request.urlopen(f"{self.url}/{kind}/{key}", timeout=TIMEOUT) as response:
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise TooLarge(f"remote {kind}/{key[:12]}... announces {declared} bytes")
                return _read_bounded(response, limit, f"remote {kind}/{key[:12]}...")
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                self._warn(f"GET {kind}/{key[:12]}... answered {exc.code}")
            return None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._warn(f"{self.url} unreachable ({exc})")
            return None

    def put(self, kind: str, key: str, data: bytes) -> None:
        if self.broken:
            return
        request = urllib.request.Request(f"{self.url}/{kind}/{key}", data=data, method="PUT",
                                         headers={"Content-Type": "application/octet-stream"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT):
                pass
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self._warn(f"PUT {kind}/{key[:12]}... failed ({exc})")


def _read_bounded(response, limit: int, what: str) -> bytes:
    """At most `limit` bytes within DEADLINE seconds, or TooLarge."""
    ends = time.monotonic() + DEADLINE
    chunks, size = [], 0
    while True:
        chunk = response.read(1 << 20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"{what} is larger than {limit} bytes")
        if time.monotonic() > ends:
            raise TooLarge(f"{what} took longer than {DEADLINE} s")
        chunks.append(chunk)


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

    # -- keys ---------------------------------------------------------------------------------
    @staticmethod
    def input_key(spec: Dict) -> str:
        parts = [spec["key"]] + [f"{path}={sha256_file(path)}" for path in spec["inputs"]]
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
            headers.append((name, sha256_file(name)))
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
            return self._restore(spec, journal)
        except (BadEntry, TooLarge) as exc:
            return None, [f"cache: discarded the entry of {describe(spec)}: {exc}; running it"]

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
