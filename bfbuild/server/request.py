"""One command in the server: a forked child that becomes the client's bfbuild, runs it, exits.

The child takes the client's stdin, stdout and stderr, folder, umask and environment, then runs
`bfbuild.cli.main` as a `--no-server` bfbuild would, with warm imports and the engine forked
from them (bfbuild.server.warm_engine). Its exit status goes back to the client through the
server, which reaps it. The child dies with the server (PR_SET_PDEATHSIG), and its engine with
it (bfbuild.engine.supervision); a `signal N` from the client is raised in the child, as the
terminal would have raised it in a local bfbuild; a client gone (killed, terminal closed) is a
SIGHUP. So the workspace lock and the engine live exactly as long as in a local bfbuild.
"""
from __future__ import annotations

import atexit
import codecs
import ctypes
import io
import locale
import os
import signal
import sys
import threading

from bfbuild.engine.supervision import PR_SET_PDEATHSIG
from bfbuild.server.protocol import LineReader, send_line

FORWARDABLE = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run(conn, request, fds, server_pid: int, close) -> None:
    """In the forked child: run the command and exit with its status. Never returns."""
    from bfbuild.server import warm_engine

    def command() -> int:
        _detach_from_server(server_pid, close)
        _become_client(request, fds)
        settled = threading.Event()
        _watch(conn, settled)
        from bfbuild import outcome
        from bfbuild.cli import main
        from bfbuild.engine import runner

        warm_engine.install(runner)
        outcome.tell_with(lambda status: _tell(conn, status, settled))
        return main(request.argv)

    warm_engine.run_and_exit(command)


def _detach_from_server(server_pid: int, close) -> None:
    atexit._clear()
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in close:
        os.close(fd)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != server_pid:  # the server died before the request above took effect
        os._exit(1)


def _become_client(request, fds) -> None:
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    os.chdir(request.cwd)
    os.umask(request.umask)
    os.environ.clear()
    os.environ.update(request.env)
    try:  # as a new interpreter sets it from the (client's) environment
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        pass
    encoding, errors = locale.getpreferredencoding(False), "strict"
    if sys.flags.utf8_mode or codecs.lookup(encoding).name == "ascii":
        encoding, errors = "utf-8", "surrogateescape"  # as Python does in the C locale (PEP 540)
    encoding = os.environ.get("PYTHONIOENCODING") or encoding
    sys.stdin = _text(0, "r", encoding, errors, False)
    sys.stdout = _text(1, "w", encoding, errors, os.isatty(1))
    sys.stderr = _text(2, "w", encoding, "backslashreplace", True)


def _text(fd: int, mode: str, encoding: str, errors: str, line_buffering: bool):
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding=encoding, errors=errors,
                            line_buffering=line_buffering)


def _tell(conn, status: int, settled: threading.Event) -> None:
    """The command's outcome is settled (bfbuild.outcome): the client may end now. The rest of
    the command (its records, under the workspace lock) writes nowhere the client sees, so a
    reader of its output (a pipe) gets its end of file at once."""
    settled.set()
    try:
        send_line(conn, "exit", status)
    except OSError:
        pass
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _watch(conn, settled: threading.Event) -> None:
    """Raise here the signals the client forwards; the client gone is a hang-up, unless it went
    because the outcome was settled."""
    reader = LineReader(conn)

    def loop():
        while True:
            message = reader.next()
            if message is None:
                if not settled.is_set():
                    os.kill(os.getpid(), signal.SIGHUP)
                return
            word, value = message
            if word == "signal" and value.isdigit() and int(value) in FORWARDABLE:
                os.kill(os.getpid(), int(value))

    threading.Thread(target=loop, name="client", daemon=True).start()
