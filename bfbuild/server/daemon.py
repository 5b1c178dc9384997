"""The server of one workspace: `python -m bfbuild.server ROOT` (started by the client).

It binds the workspace's socket (bfbuild.rundir), imports what commands use (warm_engine.preload)
and records what that state was made of (fingerprint.py). For each client it checks the peer is
this user, that the client's interpreter and bfbuild are its own, that the command's folder is
in its workspace and that its code did not change; then it forks a child that runs the command
(request.py) and, when the child ends, sends its exit status to the client. Commands run side by
side; the workspace lock orders those that build, as between local bfbuilds.

It exits when idle for the configured time (docs/server.md), on SIGTERM (`bfbuild shutdown`:
its running commands get SIGTERM and are waited for), when its code changed, when its socket was
removed or taken by another server, and when the workspace is gone.
"""
from __future__ import annotations

import fcntl
import os
import select
import shutil
import signal
import socket
import struct
import sys
import time
from pathlib import Path

from bfbuild import rundir
from bfbuild.lock import describe_command
from bfbuild.server import protocol

TICK = 1.0  # how often idleness, the socket and the workspace are checked


def log(text: str) -> None:
    print(time.strftime("%Y-%m-%d %H:%M:%S"), f"[{os.getpid()}]", text, file=sys.stderr, flush=True)


class Server:
    def __init__(self, root: str):
        self.root = root
        self.folder = rundir.server_dir(root)
        self.path = os.path.join(self.folder, rundir.SOCKET)
        self.children = {}  # pid -> the client's connection
        self.listener = None
        self.inode = None
        self.stopping = False
        self.signalled = 0
        self.last_active = time.monotonic()
        self.identity = protocol.identity()

    def bind(self) -> bool:
        """Listen on the socket, unless another server already does (then False)."""
        with open(os.path.join(self.folder, rundir.START_LOCK), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(self.path)
                return False
            except OSError:
                pass
            finally:
                probe.close()
            try:
                os.unlink(self.path)  # left by a server that died
            except FileNotFoundError:
                pass
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(self.path)
            self.listener.listen(32)
            self.inode = os.stat(self.path).st_ino
            Path(self.folder, rundir.PID).write_text(f"{os.getpid()}\n")
            Path(self.folder, rundir.ROOT).write_text(f"{self.root}\n")
        return True

    def serve(self, fingerprint, idle_seconds: float) -> None:
        self.fingerprint, self.idle_seconds = fingerprint, idle_seconds
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._signalled)
        self.private_fds = [wake_read, wake_write]
        log(f"serving {self.root} (idle limit {idle_seconds:g}s)")
        while not (self.stopping and not self.children):
            watched = [wake_read] + ([self.listener] if self.listener else [])
            ready = select.select(watched, [], [], TICK)[0]
            if wake_read in ready:
                while _drain(wake_read):
                    pass
            self._reap()
            if self.signalled:
                self._stop(self.signalled)
                self.signalled = 0
            elif self.listener in ready:
                self._accept()
            reason = self._reason_to_stop()
            if reason:
                self._close(reason)
        log("stopped")
        self._remove_own_files()

    def _remove_own_files(self) -> None:
        """The pid file, unless a newer server wrote it; the whole folder when the workspace is
        gone (nothing will use it again)."""
        if not os.path.exists(os.path.join(self.root, "BUILD.yaml")):
            shutil.rmtree(self.folder, ignore_errors=True)
        elif rundir.read_pid(self.folder) == os.getpid():
            for name in (rundir.PID, rundir.ROOT):
                try:
                    os.unlink(os.path.join(self.folder, name))
                except OSError:
                    pass

    def _reason_to_stop(self):
        if self.stopping or self.listener is None:
            return None
        if not self.children and time.monotonic() - self.last_active > self.idle_seconds:
            return f"idle for {self.idle_seconds:g}s"
        try:
            if os.stat(self.path).st_ino != self.inode:
                return "its socket was taken by another server"
        except OSError:
            return "its socket was removed"
        if not os.path.exists(os.path.join(self.root, "BUILD.yaml")):
            return "the workspace is gone"
        return None

    def _close(self, reason: str) -> None:
        """Take no more commands; the running ones finish first."""
        log(f"stopping: {reason}")
        self.stopping = True
        if self.listener is not None:
            try:
                if os.stat(self.path).st_ino == self.inode:
                    os.unlink(self.path)
            except OSError:
                pass
            self.listener.close()
            self.listener = None

    def _signalled(self, signum, _frame) -> None:
        self.signalled = signum  # handled by the loop: select() may be using the listener

    def _stop(self, signum) -> None:
        self._close(f"signal {signum}")
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        try:
            pid = self._take(conn)
        except (OSError, protocol.ProtocolError) as exc:
            log(f"request dropped: {exc}")
            pid = None
        if pid is None:
            conn.close()
        else:
            self.children[pid] = conn
        self.last_active = time.monotonic()

    def _take(self, conn):
        """Fork a child for the client's command; None when it is not served here."""
        credentials = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", credentials)[1] != os.getuid():
            raise protocol.ProtocolError("a client of another user")
        conn.settimeout(10)
        request, fds = protocol.receive_request(conn)
        conn.settimeout(None)
        try:
            refusal = self._refusal(request)
            if refusal:
                if refusal[0] == "stale":  # first: the client's next try must find no socket
                    self._close(refusal[1])
                protocol.send_line(conn, *refusal)
                return None
            from bfbuild.server import noop_answer  # after the bind, with the warm imports

            looked = noop_answer.look(request, fds[1])
            if looked == noop_answer.ANSWERED:
                protocol.send_line(conn, "exit", 0)
                log(f"answered: bfbuild {describe_command(request.argv)} (nothing changed)")
                return None
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            try:
                pid = os.fork()
            except OSError:
                if looked is not None:
                    looked.release()
                raise
            if pid == 0:
                from bfbuild.server import request as child

                if looked is not None:
                    looked.in_command()
                others = [c.fileno() for c in self.children.values()]
                child.run(conn, request, fds, os.getppid(),
                          [self.listener.fileno(), *self.private_fds, *others])
            if looked is not None:
                looked.in_server()
            protocol.send_line(conn, "accepted", pid)
            log(f"command {pid}: bfbuild {describe_command(request.argv)}")  # no header values
            return pid
        finally:
            for fd in fds:
                os.close(fd)

    def _refusal(self, request):
        from bfbuild.errors import BfError
        from bfbuild.loading.workspace import find_root

        if request.identity != self.identity:
            return "stale", "the client runs another Python or bfbuild"
        changed = self.fingerprint.changed()
        if changed:
            return "stale", changed
        try:
            root = str(find_root(Path(request.cwd)))
        except (BfError, OSError):
            root = None
        if root != self.root:
            return "refused", f"{request.cwd} is not in {self.root}"
        return None

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            word = "signal" if os.WIFSIGNALED(status) else "exit"
            value = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            log(f"command {pid}: {word} {value}")
            try:
                protocol.send_line(conn, word, value)
            except OSError:
                pass  # the client is gone
            conn.close()
            self.last_active = time.monotonic()


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False
