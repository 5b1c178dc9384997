"""The `bfbuild` command: hands the command to the workspace's build server, or runs it here.

It must start fast: only the standard library's cheapest modules are imported on the way to the
server (`python -X importtime -m bfbuild build ...` shows it): no `re`, and the C module
`_signal` instead of `signal` (which imports `enum`, 5 ms). The server (bfbuild.server) runs
the command with the client's terminal, folder and environment and sends back how it ended;
this process forwards Ctrl-C, SIGTERM and SIGHUP to it and exits the same way.

The command runs in this process instead when `--no-server` is given, BFBUILD_SERVER is 0, the
command is `shutdown`, no workspace is found, or no server is up yet: then one is started in
the background for the next command. docs/server.md has the details.
"""
from __future__ import annotations

import _signal as signal
import os
import sys

from bfbuild.workspace_key import declares_workspace

OFF_VALUES = ("0", "false", "no", "off")
DEFAULT_ON = True  # users get the server; the test suite turns it off (tests/conftest.py)
NO_SERVER = "--no-server"
IN_PROCESS_COMMANDS = ("shutdown",)
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
RESTART = "restart"
LOG_LIMIT = 1 << 20  # the server's log starts afresh beyond this
START_SECONDS = 10.0  # for the new server to listen (it binds before its imports)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    argv, wanted = server_wanted(argv, os.environ)
    if wanted:
        status = _through_server(argv)
        if status is not None:
            _exit_now(status)
    from bfbuild.cli import main as run_here

    return run_here(argv)


def server_wanted(argv, environ):
    """(argv without --no-server, whether to use the server)."""
    end = argv.index("--") if "--" in argv else len(argv)
    own = argv[:end]
    if NO_SERVER in own:
        return [a for a in own if a != NO_SERVER] + argv[end:], False
    value = environ.get("BFBUILD_SERVER", "").strip().lower()
    on = value not in OFF_VALUES if value else DEFAULT_ON
    return argv, bool(argv) and on and argv[0] not in IN_PROCESS_COMMANDS


def find_root(start: str):
    """The nearest folder at or above `start` whose BUILD.yaml has a `workspace:` line (the
    server checks it again with the loader's own rule)."""
    here = start
    while True:
        try:
            with open(os.path.join(here, "BUILD.yaml"), "rb") as handle:
                if declares_workspace(handle.read()):
                    return here
        except OSError:
            pass
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _through_server(argv):
    """The command's exit status from the server; None to run it in this process."""
    from bfbuild import rundir

    try:
        cwd = os.getcwd()
    except OSError:
        return None
    root = find_root(os.path.realpath(cwd))
    if root is None:
        return None
    folder = rundir.server_dir(root)
    path = os.path.join(folder, rundir.SOCKET)
    for _attempt in range(2):  # a second time after a stale server handed the command back
        sock, refused = _connect(path)
        if sock is None:
            if refused:
                _notice("the build server of this workspace had stopped (killed or crashed); "
                        "starting a new one")
            sock = start_server(root, folder, path)
            if sock is None:
                return None
        try:
            status = _exchange(sock, argv, cwd)
        finally:
            sock.close()
        if status != RESTART:
            return status
    return None


def _connect(path: str):
    """(socket, False) when a server listens; (None, True) when its socket is left over from a
    server that died; (None, False) when there is none."""
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
        return sock, False
    except ConnectionRefusedError:
        sock.close()
        return None, True
    except OSError:
        sock.close()
        return None, False


def _exchange(sock, argv, cwd):
    from bfbuild.server import protocol

    umask = os.umask(0o022)
    os.umask(umask)
    request = protocol.Request(protocol.identity(), cwd, umask, argv, dict(os.environ))
    try:
        protocol.send_request(sock, request, _standard_fds())
    except OSError:
        return None  # the server went away before taking the command: run it here
    received = []

    def forward(signum, _frame):
        received.append(signum)
        try:
            protocol.send_line(sock, "signal", signum)
        except OSError:
            pass

    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, forward)
    reader, accepted = protocol.LineReader(sock), False
    while True:
        message = reader.next()
        if message is None:
            if not accepted:
                return None
            _notice("the build server stopped during the command (killed or crashed); the next "
                    "command starts a new one")
            return 1
        word, value = message
        if word == "accepted":
            accepted = True
        elif word == "stale":
            _notice(f"restarting the build server: {value}")
            return RESTART
        elif word == "refused":
            return None
        elif word == "exit":
            return int(value)
        elif word == "signal":
            return _end_by_signal(int(value))


def _standard_fds():
    """stdin, stdout, stderr; /dev/null for any that is closed."""
    fds = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            fds.append(os.open(os.devnull, os.O_RDWR))
    return fds


def _end_by_signal(signum: int) -> int:
    """The command died of a signal: so does this process, as a local bfbuild would."""
    sys.stdout.flush()
    if signum not in (signal.SIGKILL, signal.SIGSTOP):  # those two have no handler to reset
        signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return 128 + signum


def _exit_now(status: int) -> None:
    """End with the served command's status, skipping the interpreter's teardown (a few
    milliseconds of every command): this process holds nothing else to clean up."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status & 0xFF)


def _notice(text: str) -> None:
    print(f"bfbuild: {text}", file=sys.stderr, flush=True)


def start_server(root: str, folder: str, path: str):
    """Start the server of `root` and connect to it (it takes the command once its imports are
    done); None, with a notice, when it cannot start."""
    import subprocess
    import time

    from bfbuild import rundir

    try:
        rundir.ensure_private(folder)
        log_path = os.path.join(folder, rundir.LOG)
        big = os.path.exists(log_path) and os.path.getsize(log_path) > LOG_LIMIT
        log = open(log_path, "wb" if big else "ab")
    except (OSError, rundir.UnsafeRunDir) as exc:
        _notice(f"no build server: {exc}")
        return None
    with log:
        server = subprocess.Popen([sys.executable, "-m", "bfbuild.server", root], cwd=folder,
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                  start_new_session=True)
    ends = time.monotonic() + START_SECONDS
    while time.monotonic() < ends:
        sock, _refused = _connect(path)
        if sock is not None:
            return sock
        if server.poll() not in (None, 0):
            break
        time.sleep(0.005)
    _notice(f"the build server did not start (see {os.path.join(folder, rundir.LOG)}); "
            "running here")
    return None
