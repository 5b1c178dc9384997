"""The remote action cache over REAPI gRPC (grpc://HOST:PORT, grpcs:// for TLS): Capabilities
once, ActionCache GetActionResult/UpdateActionResult, ContentAddressableStorage
FindMissingBlobs/BatchReadBlobs/BatchUpdateBlobs for blobs that fit a batch and ByteStream
Read/Write for larger ones, under an instance name, with the user's headers as call metadata.

The same interface and bounds as the HTTP transport (bfbuild.engine.cache_remote): every call has
a deadline, every answer a size bound; a failing or vanished server costs one line and is then
left alone. grpcio is imported here only: the HTTP cache does not need it."""
from __future__ import annotations

import os
import threading
import urllib.parse
import uuid
from typing import Dict, List, Optional, Sequence, Tuple

import grpc

from bfbuild.engine.cache_entries import MAX_BLOB_BYTES, TooLarge
from bfbuild.engine.cache_remote import DEADLINE, TIMEOUT, TLS_CA_ENV, Digest, Remote
from bfbuild.engine.reapi import protos

MAX_MESSAGE = 4 << 20  # gRPC's usual message bound, both ways
CHUNK = 1 << 20  # ByteStream write chunks
SHA256 = 1  # DigestFunction.Value SHA256
_REAPI = "/build.bazel.remote.execution.v2."
_METHODS = {
    "capabilities": ("Capabilities/GetCapabilities", protos.GetCapabilitiesRequest,
                     protos.ServerCapabilities),
    "get_action": ("ActionCache/GetActionResult", protos.GetActionResultRequest, protos.ActionResult),
    "put_action": ("ActionCache/UpdateActionResult", protos.UpdateActionResultRequest,
                   protos.ActionResult),
    "missing": ("ContentAddressableStorage/FindMissingBlobs", protos.FindMissingBlobsRequest,
                protos.FindMissingBlobsResponse),
    "read": ("ContentAddressableStorage/BatchReadBlobs", protos.BatchReadBlobsRequest,
             protos.BatchReadBlobsResponse),
    "update": ("ContentAddressableStorage/BatchUpdateBlobs", protos.BatchUpdateBlobsRequest,
               protos.BatchUpdateBlobsResponse),
}


class _Missing(Exception):
    """NOT_FOUND: a miss, not a fault."""


def channel_for(url: str) -> grpc.Channel:
    """A channel to grpc://HOST:PORT or grpcs://HOST[:PORT] (TLS with the system's roots, or
    with the certificates of $BFBUILD_REMOTE_TLS_CA)."""
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "grpcs"
    target = f"{parts.hostname}:{parts.port or (443 if secure else 80)}"
    options = [("grpc.max_receive_message_length", MAX_MESSAGE),
               ("grpc.max_send_message_length", MAX_MESSAGE)]
    if not secure:
        return grpc.insecure_channel(target, options=options)
    roots = None
    if os.environ.get(TLS_CA_ENV):
        with open(os.environ[TLS_CA_ENV], "rb") as handle:
            roots = handle.read()
    return grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=roots),
                               options=options)


class GrpcStore(Remote):
    def __init__(self, url: str, headers: Sequence[Tuple[str, str]] = (), instance: str = ""):
        super().__init__(url)
        self.instance = instance
        self._metadata = tuple((name.lower(), value) for name, value in headers)
        self._batch = MAX_MESSAGE - (64 << 10)  # room for the request's own fields
        self._updates = True
        self._checked = threading.Lock()
        self._capable: Optional[bool] = None
        self.calls: Dict[str, int] = {}  # per method, for tests and measurements
        try:
            self._channel = channel_for(url)
        except (OSError, ValueError) as exc:
            self.warn(f"{url}: {exc}")
            return
        self._stubs = {name: self._channel.unary_unary(_REAPI + path,
                                                       request_serializer=req.SerializeToString,
                                                       response_deserializer=resp.FromString)
                       for name, (path, req, resp) in _METHODS.items()}
        self._read = self._channel.unary_stream(
            "/google.bytestream.ByteStream/Read", request_serializer=protos.ReadRequest.SerializeToString,
            response_deserializer=protos.ReadResponse.FromString)
        self._write = self._channel.stream_unary(
            "/google.bytestream.ByteStream/Write",
            request_serializer=protos.WriteRequest.SerializeToString,
            response_deserializer=protos.WriteResponse.FromString)

    # -- calls ---------------------------------------------------------------------------------
    def _call(self, name: str, request, timeout: float = TIMEOUT):
        """The answer, or None after the one warning; NOT_FOUND raises _Missing."""
        if self.broken or not self._ready():
            return None
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            return self._stubs[name](request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise _Missing() from None
            self.warn(f"{self.url}: {_METHODS[name][0]} failed ({_status(exc)})")
            return None

    def _ready(self) -> bool:
        """Ask the server's capabilities once: SHA-256 digests, batch size, updates allowed."""
        with self._checked:
            if self._capable is None:
                self._capable = False
                try:
                    answer = self._stubs["capabilities"](
                        protos.GetCapabilitiesRequest(instance_name=self.instance),
                        timeout=TIMEOUT, metadata=self._metadata)
                except grpc.RpcError as exc:
                    self.warn(f"{self.url} unreachable ({_status(exc)})")
                    return False
                cache = answer.cache_capabilities
                if cache.digest_functions and SHA256 not in cache.digest_functions:
                    self.warn(f"{self.url} does not offer SHA-256 digests")
                    return False
                if cache.max_batch_total_size_bytes:
                    self._batch = min(self._batch, cache.max_batch_total_size_bytes)
                self._updates = (not cache.HasField("action_cache_update_capabilities")
                                 or cache.action_cache_update_capabilities.update_enabled)
                self._capable = True
            return self._capable

    def _digest(self, digest: Digest):
        return protos.Digest(hash=digest[0], size_bytes=digest[1])

    def _resource(self, digest: Digest, upload: bool = False) -> str:
        parts = [self.instance] if self.instance else []
        if upload:
            parts += ["uploads", str(uuid.uuid4())]
        return "/".join(parts + ["blobs", digest[0], str(digest[1])])

    # -- the interface -------------------------------------------------------------------------
    def get_action(self, digest: Digest) -> Optional[bytes]:
        request = protos.GetActionResultRequest(instance_name=self.instance, inline_stdout=True,
                                                action_digest=self._digest(digest))
        try:
            result = self._call("get_action", request)
        except _Missing:
            return None
        return None if result is None else result.SerializeToString(deterministic=True)

    def put_action(self, digest: Digest, data: bytes) -> None:
        if self.broken or not self._ready() or not self._updates:
            return
        self._call("put_action", protos.UpdateActionResultRequest(
            instance_name=self.instance, action_digest=self._digest(digest),
            action_result=protos.ActionResult.FromString(data)))

    def get_blobs(self, digests: List[Digest]) -> Dict[str, bytes]:
        found: Dict[str, bytes] = {}
        small = [d for d in digests if d[1] <= self._batch]
        for batch in _batches(small, self._batch):
            request = protos.BatchReadBlobsRequest(instance_name=self.instance,
                                                   digests=[self._digest(d) for d in batch])
            try:
                answer = self._call("read", request, timeout=DEADLINE)
            except _Missing:
                continue
            for item in answer.responses if answer is not None else ():
                if item.status.code == 0:
                    found[item.digest.hash] = item.data
        for digest in digests:
            if digest[1] > self._batch and not self.broken:
                data = self._read_stream(digest)
                if data is not None:
                    found[digest[0]] = data
        return found

    def _read_stream(self, digest: Digest) -> Optional[bytes]:
        self.calls["bytestream_read"] = self.calls.get("bytestream_read", 0) + 1
        chunks, size, limit = [], 0, min(digest[1], MAX_BLOB_BYTES)
        try:
            for answer in self._read(protos.ReadRequest(resource_name=self._resource(digest)),
                                     timeout=DEADLINE, metadata=self._metadata):
                size += len(answer.data)
                if size > limit:
                    raise TooLarge(f"remote blob {digest[0][:12]}... is larger than {limit} bytes")
                chunks.append(answer.data)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                self.warn(f"{self.url}: ByteStream/Read failed ({_status(exc)})")
            return None
        return b"".join(chunks)

    def put_blobs(self, blobs: Dict[Digest, bytes]) -> None:
        if not blobs or self.broken or not self._ready() or not self._updates:
            return
        request = protos.FindMissingBlobsRequest(instance_name=self.instance,
                                                 blob_digests=[self._digest(d) for d in blobs])
        try:
            answer = self._call("missing", request)
        except _Missing:
            return
        if answer is None:
            return
        missing = [(d.hash, d.size_bytes) for d in answer.missing_blob_digests]
        for batch in _batches([d for d in missing if d[1] <= self._batch], self._batch):
            request = protos.BatchUpdateBlobsRequest(instance_name=self.instance)
            for digest in batch:
                request.requests.add(digest=self._digest(digest), data=blobs[digest])
            try:
                answer = self._call("update", request, timeout=DEADLINE)
            except _Missing:
                return
            failed = [r for r in (answer.responses if answer else ()) if r.status.code != 0]
            if failed:
                self.warn(f"{self.url}: BatchUpdateBlobs refused {len(failed)} blob(s) "
                          f"({failed[0].status.message or failed[0].status.code})")
        for digest in missing:
            if digest[1] > self._batch and not self.broken:
                self._write_stream(digest, blobs[digest])

    def _write_stream(self, digest: Digest, data: bytes) -> None:
        self.calls["bytestream_write"] = self.calls.get("bytestream_write", 0) + 1
        name = self._resource(digest, upload=True)

        def requests():
            for offset in range(0, len(data), CHUNK):
                end = min(offset + CHUNK, len(data))
                yield protos.WriteRequest(resource_name=name if offset == 0 else "",
                                          write_offset=offset, data=data[offset:end],
                                          finish_write=end == len(data))
        try:
            self._write(requests(), timeout=DEADLINE, metadata=self._metadata)
        except grpc.RpcError as exc:
            self.warn(f"{self.url}: ByteStream/Write failed ({_status(exc)})")


def _batches(digests: List[Digest], limit: int) -> List[List[Digest]]:
    """Digests grouped so that each group's sizes add up to at most `limit`."""
    batches: List[List[Digest]] = []
    total = limit + 1
    for digest in digests:
        if total + digest[1] > limit:
            batches.append([])
            total = 0
        batches[-1].append(digest)
        total += digest[1]
    return batches


def _status(exc: grpc.RpcError) -> str:
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else str(exc)
    return f"{code.name if code else 'error'}: {str(details)[:120]}"
