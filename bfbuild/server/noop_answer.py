"""A repeated command looked at by the server itself: a no-op needs no command process.

A repeated `build` or `test` whose no-op record holds (bfbuild.noop) needs nothing but that
record: the server checks it for the client's folder and environment, writes the stored report
to the client's stdout and tells it the outcome. Only while the workspace lock is free at once,
and the report fits in what the client's stdout takes without blocking: the server never waits
on a client. When the record shows changes, the server hands the lock it holds and what the
record said to the command process it forks (bfbuild.replay.hand_over), which goes on from
there: the record is looked at once, and no other build can come between. Anything else (no
record, a busy lock) goes to a command process, which looks under the lock itself, as a local
bfbuild does.
"""
from __future__ import annotations

import io
import os
import select
import time
from pathlib import Path

from bfbuild import noop
from bfbuild.errors import BfError
from bfbuild.layout import LOCK_FILE
from bfbuild.loading.workspace import find_root
from bfbuild.lock import LockBusy, WorkspaceLock
from bfbuild.replay import replayable

ATOMIC_WRITE = 4096  # PIPE_BUF: a writable pipe takes this much at once
ANSWERED = "answered"


class Handover:
    """The locked workspace lock file and what the no-op record said, for a command process."""

    def __init__(self, root: Path, argv, locked_file, last):
        self.root, self.argv, self.locked_file, self.last = root, argv, locked_file, last

    def in_command(self) -> None:
        """In the forked command process: take it over (bfbuild.replay)."""
        from bfbuild import replay

        replay.hand_over(self.root, self.argv, self.locked_file, self.last)

    def in_server(self) -> None:
        """In the server, once the command process has its copy: let go of ours (the lock stays
        with the command's copy of the file)."""
        self.locked_file.close()

    def release(self) -> None:
        """No command process took it (the fork failed): unlock."""
        WorkspaceLock.adopted(self.root, self.argv, self.locked_file).__exit__(None, None, None)


def look(request, stdout_fd: int):
    """ANSWERED when the command was answered here (its report written, its status 0); a
    Handover when the record shows changes; None otherwise."""
    started, argv = time.time(), request.argv
    if not replayable(argv):
        return None
    try:
        root = find_root(Path(request.cwd))
    except (BfError, OSError):
        return None
    path = noop.record_path(root, argv, request.cwd, request.env)
    if not (root / LOCK_FILE).exists() or not path.exists():
        return None
    lock = WorkspaceLock(root, argv, wait=False)
    try:
        lock.__enter__()
    except (LockBusy, OSError):
        return None
    try:
        last = noop.changes(root, argv, path)
        if last is not None and not last[1] and _answer(root, last[0], started, stdout_fd):
            lock.__exit__(None, None, None)
            return ANSWERED
        return Handover(root, argv, lock.hand_over(), last)
    except BaseException:
        if lock.handle is not None:
            lock.__exit__(None, None, None)
        raise


def _answer(root: Path, report, started: float, stdout_fd: int) -> bool:
    text = io.StringIO()
    noop.answer(root, report, started, out=text)
    data = text.getvalue().encode("utf-8", "surrogateescape")
    if len(data) > ATOMIC_WRITE or not select.select([], [stdout_fd], [], 0)[1]:
        return False
    try:
        while data:
            data = data[os.write(stdout_fd, data):]
    except OSError:
        return False
    return True
