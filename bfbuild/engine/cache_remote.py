"""The remote action cache's transports, chosen by the URL's scheme (open_remote): Bazel's HTTP
cache protocol (http://, https://: GET/PUT <url>/ac/<Action digest> holding an ActionResult, and
<url>/cas/<sha256>) here, REAPI gRPC (grpc://, grpcs://) in bfbuild.engine.reapi.grpc_store.
Both offer one interface: get_action/put_action of an ActionResult by its Action digest,
get_blobs/put_blobs by digest. Every read is bounded in size (cache_entries) and time (TIMEOUT
per network step, DEADLINE per fetch). A server that fails or goes away costs one line, then the
build goes on without it: a remote cache never fails a build."""
from __future__ import annotations

import http.client
import os
import ssl
import sys
import threading
import time
import urllib.parse
from typing import Dict, List, Optional, Sequence, Tuple

from bfbuild.engine.cache_entries import MAX_BLOB_BYTES, MAX_ENTRY_BYTES, TooLarge, limit_of

TIMEOUT = 10  # seconds for one remote request to connect, or to deliver its next bytes
DEADLINE = 60  # seconds for one remote fetch as a whole
SCHEMES = ("http", "https", "grpc", "grpcs")  # what --remote-cache accepts
TLS_CA_ENV = "BFBUILD_REMOTE_TLS_CA"  # PEM certificates of a private CA, for https:// and grpcs://
Digest = Tuple[str, int]  # (sha256 hex, size)


def open_remote(url: str, headers: Sequence[Tuple[str, str]] = (), instance: str = ""):
    """The transport for a URL: HTTP for http(s)://, REAPI gRPC for grpc(s)://."""
    if urllib.parse.urlsplit(url).scheme in ("grpc", "grpcs"):
        try:
            from bfbuild.engine.reapi.grpc_store import GrpcStore
        except ImportError as exc:
            store = Remote(url)
            store.warn(f"{url} needs grpcio ({exc}; pip install 'bfbuild[grpc]')")
            return store
        return GrpcStore(url, headers, instance)
    return RemoteStore(url, headers)


class Remote:
    """What every transport shares: one warning, then the server is left alone."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.broken = False
        self._warned = False
        self._warn_lock = threading.Lock()

    def warn(self, message: str) -> None:
        with self._warn_lock:
            if not self._warned:
                sys.stdout.write(f"remote cache: {message}; going on without it\n")
                sys.stdout.flush()
                self._warned = True
            self.broken = True

    def get_action(self, digest: Digest) -> Optional[bytes]:
        return None

    def put_action(self, digest: Digest, data: bytes) -> None:
        pass

    def get_blobs(self, digests: List[Digest]) -> Dict[str, bytes]:
        return {}

    def put_blobs(self, blobs: Dict[Digest, bytes]) -> None:
        pass


class RemoteStore(Remote):
    """Bazel's HTTP cache protocol: GET/PUT <url>/ac/<key> and <url>/cas/<sha256>.

    Each engine thread keeps one HTTP/1.1 connection open to the server and sends its requests
    on it one after the other (a clean clone restores a hundred actions: a new TCP connection per
    request would cost more than the transfers). A connection the server closed while idle is
    opened again once; every request keeps the bounds of TIMEOUT and DEADLINE."""

    def __init__(self, url: str, headers: Sequence[Tuple[str, str]] = ()):
        super().__init__(url)
        self._headers = dict(headers)
        parts = urllib.parse.urlsplit(self.url)
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self._local = threading.local()
        self.connections = 0  # opened so far (all threads)
        if self._scheme not in ("http", "https") or not self._host:
            self.warn(f"{self.url} is not an http://, https://, grpc:// or grpcs:// URL")

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._scheme == "https":  # the system's roots, or those of a private CA
                context = ssl.create_default_context(cafile=os.environ.get(TLS_CA_ENV) or None)
                connection = http.client.HTTPSConnection(self._host, self._port, timeout=TIMEOUT,
                                                         context=context)
            else:
                connection = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT)
            self._local.connection = connection
            self.connections += 1
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def _request(self, method: str, kind: str, key: str, body: Optional[bytes], limit: int):
        """(status, body) of one request; the body is read within `limit` bytes and DEADLINE."""
        path = f"{self._base}/{kind}/{key}"
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        for attempt in (1, 2):
            connection = self._connection()
            reused = connection.sock is not None
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.BadStatusLine):
                self._drop_connection()
                if reused and attempt == 1:
                    continue  # the server closed the idle connection: once more, on a new one
                raise
            except BaseException:
                self._drop_connection()
                raise
            try:
                declared = response.getheader("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise TooLarge(f"remote {kind}/{key[:12]}... announces {declared} bytes")
                data = _read_bounded(response, limit, f"remote {kind}/{key[:12]}...")
            except BaseException:
                self._drop_connection()  # what is left unread would be taken for the next answer
                raise
            if response.will_close:
                self._drop_connection()
            return response.status, data
        raise AssertionError("unreachable")

    def get_action(self, digest: Digest) -> Optional[bytes]:
        return self.get("ac", digest[0])

    def put_action(self, digest: Digest, data: bytes) -> None:
        self.put("ac", digest[0], data)

    def get_blobs(self, digests: List[Digest]) -> Dict[str, bytes]:
        found = {}
        for name, size in digests:
            # Bounded by the size the entry gives (an error page of a 404 may be longer).
            data = self.get("cas", name, min(max(size, MAX_ENTRY_BYTES), MAX_BLOB_BYTES))
            if data is not None:
                found[name] = data
        return found

    def put_blobs(self, blobs: Dict[Digest, bytes]) -> None:
        for (name, _), data in blobs.items():
            self.put("cas", name, data)

    def get(self, kind: str, key: str, limit: Optional[int] = None) -> Optional[bytes]:
        if self.broken:
            return None
        try:
            status, data = self._request("GET", kind, key, None,
                                         limit_of(kind) if limit is None else limit)
        except (http.client.HTTPException, OSError, ValueError) as exc:
            self.warn(f"{self.url} unreachable ({exc.__class__.__name__}: {exc})")
            return None
        if status == 200:
            return data
        if status != 404:
            self.warn(f"GET {kind}/{key[:12]}... answered {status}")
        return None

    def put(self, kind: str, key: str, data: bytes) -> None:
        if self.broken:
            return
        try:
            status, _ = self._request("PUT", kind, key, data, MAX_ENTRY_BYTES)
        except (http.client.HTTPException, OSError, ValueError, TooLarge) as exc:
            self.warn(f"PUT {kind}/{key[:12]}... failed ({exc.__class__.__name__}: {exc})")
            return
        if not 200 <= status < 300:
            self.warn(f"PUT {kind}/{key[:12]}... answered {status}")


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

