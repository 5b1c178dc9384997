"""What the client and the server say to each other over the workspace's Unix socket.

Client to server, once: a request (one length-prefixed block of NUL-separated fields: the
protocol's name, the client's identity, its folder, umask, argv and environment) sent with its
stdin, stdout and stderr attached (SCM_RIGHTS), so the command writes to the client's terminal
itself: progress lines, colours, `isatty()` and the terminal's width are the client's own.
Then, any time: `signal N` (the client received signal N: Ctrl-C, SIGTERM, SIGHUP).

Server to client, lines: `accepted PID` when a child runs the command, `stale REASON` when this
server may not serve it (bfbuild's code or the Python environment changed, another identity),
and last `exit N` or `signal N`: how the command ended.
Only the standard library's C modules are imported: the client pays for every import (`array`
alone costs 4 ms: it imports collections.abc).
"""
from __future__ import annotations

import os
import sys
from _socket import CMSG_LEN, SCM_RIGHTS, SOL_SOCKET

NAME = b"bfbuild-server/1"
MAX_REQUEST = 1 << 20
FD_COUNT = 3  # stdin, stdout, stderr
FD_BYTES = 4  # a C int, as SCM_RIGHTS carries descriptors


class ProtocolError(Exception):
    pass


class Request:
    """One command as the client sends it."""

    def __init__(self, identity: str, cwd: str, umask: int, argv: list, env: dict):
        self.identity, self.cwd, self.umask, self.argv, self.env = identity, cwd, umask, argv, env

    def encode(self) -> bytes:
        fields = [NAME, os.fsencode(self.identity), os.fsencode(self.cwd), b"%d" % self.umask,
                  b"%d" % len(self.argv), *map(os.fsencode, self.argv),
                  *(os.fsencode(k) + b"=" + os.fsencode(v) for k, v in self.env.items())]
        body = b"\0".join(fields)
        return len(body).to_bytes(4, "big") + body

    @classmethod
    def decode(cls, body: bytes) -> "Request":
        fields = [os.fsdecode(field) for field in body.split(b"\0")]
        if len(fields) < 5 or fields[0] != NAME.decode():
            raise ProtocolError("not a bfbuild request")
        count = int(fields[4])
        argv, env_items = fields[5:5 + count], fields[5 + count:]
        env = dict(item.split("=", 1) for item in env_items if "=" in item)
        return cls(fields[1], fields[2], int(fields[3]), argv, env)


def identity() -> str:
    """What a server must share with its client: the interpreter, the bfbuild it imports and
    the variables that change what Python imports."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return "\n".join([sys.executable, sys.prefix, sys.version, package,
                      os.environ.get("PYTHONPATH", ""), os.environ.get("PYTHONHOME", "")])


def send_request(sock, request: Request, fds) -> None:
    data = request.encode()
    packed = b"".join(fd.to_bytes(FD_BYTES, sys.byteorder, signed=True) for fd in fds)
    sent = sock.sendmsg([data], [(SOL_SOCKET, SCM_RIGHTS, packed)])
    if sent < len(data):
        sock.sendall(data[sent:])


def receive_request(sock):
    """(Request, [fd, fd, fd]) from a client; closes any descriptor it was given on error."""
    data, ancillary, _flags, _address = sock.recvmsg(65536, CMSG_LEN(FD_COUNT * FD_BYTES))
    fds = []
    for level, kind, payload in ancillary:
        if level == SOL_SOCKET and kind == SCM_RIGHTS:
            fds += [int.from_bytes(payload[at:at + FD_BYTES], sys.byteorder, signed=True)
                    for at in range(0, len(payload) - FD_BYTES + 1, FD_BYTES)]
    try:
        if len(fds) != FD_COUNT or len(data) < 4:
            raise ProtocolError("a request comes with three descriptors")
        size = int.from_bytes(data[:4], "big")
        if size > MAX_REQUEST:
            raise ProtocolError("request too large")
        body = bytearray(data[4:])
        while len(body) < size:
            chunk = sock.recv(size - len(body))
            if not chunk:
                raise ProtocolError("the client left during its request")
            body += chunk
        return Request.decode(bytes(body[:size])), fds
    except (ProtocolError, ValueError):
        for fd in fds:
            os.close(fd)
        raise


def send_line(sock, word: str, value) -> None:
    sock.sendall(f"{word} {value}\n".encode())


class LineReader:
    """Lines from a socket, one at a time; None at end of stream."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def next(self):
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(4096)
            except InterruptedError:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        word, _, value = line.decode(errors="replace").partition(" ")
        return word, value
