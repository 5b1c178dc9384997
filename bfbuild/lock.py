"""One bfbuild at a time per workspace: an advisory lock on bfout/.lock.

A second invocation says who holds the lock and waits, rather than racing the first one over
the same outputs and SCons database. The engine inherits the locked file (`held_lock_fds`), so
the lock is free only once bfbuild *and* its engine are gone.
"""
from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from bfbuild.layout import LOCK_FILE


_held = []  # open lock files of this process


def held_lock_fds() -> tuple:
    """File descriptors of the workspace locks this process holds, for its engine to inherit."""
    return tuple(handle.fileno() for handle in _held)


# Options whose values may be credentials: the lock file, which others read, shows only the name.
_SECRET_OPTIONS = ("--remote-header",)
QUIET_WAIT_SECONDS = 0.5  # a wait shorter than this goes unmentioned


def describe_command(argv: Sequence[str]) -> str:
    """The command line as the lock file shows it, header values (credentials) left out."""
    words, hide_next = [], False
    for word in argv:
        option, equals, value = word.partition("=")
        if hide_next:
            word, hide_next = f"{word.partition('=')[0]}=...", False
        elif option in _SECRET_OPTIONS and equals:
            word = f"{option}={value.partition('=')[0]}=..."
        elif word in _SECRET_OPTIONS:
            hide_next = True
        words.append(word)
    return " ".join(words)


class LockBusy(Exception):
    """The lock is held by another command, and this one would not wait."""


class WorkspaceLock:
    def __init__(self, root: Path, argv: Sequence[str], wait: bool = True):
        self.path = root / LOCK_FILE
        self.command = describe_command(argv)
        self.handle = None
        self.wait = wait

    @classmethod
    def adopted(cls, root: Path, argv: Sequence[str], handle) -> "WorkspaceLock":
        """The lock another process took and handed over to this one (it inherited `handle`, the
        locked file: the build server forks a command with the lock it took for it)."""
        lock = cls(root, argv)
        lock.handle = handle
        return lock

    def hand_over(self):
        """Stop holding the lock as this object, without releasing it: the returned file stays
        locked for the process that inherits it (see adopted); this process closes its own copy."""
        _held.remove(self.handle)
        handle, self.handle = self.handle, None
        return handle

    def __enter__(self) -> "WorkspaceLock":
        if self.handle is not None:  # adopted: already locked
            self._note_holder()
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        if not self.wait and not self._taken_within(0.0):
            self.handle.close()
            raise LockBusy(self.path)
        if not self._taken_within(QUIET_WAIT_SECONDS):
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another bfbuild"
            print(f"bfbuild: waiting for the workspace lock ({LOCK_FILE}) held by "
                  f"{holder}", file=sys.stderr, flush=True)
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        self._note_holder()
        return self

    def _note_holder(self) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}: bfbuild {self.command}\n")
        self.handle.flush()
        _held.append(self.handle)

    def _taken_within(self, seconds: float) -> bool:
        """Try for a moment before saying anything: a served command that has told its client
        the outcome still writes its records under the lock (bfbuild.outcome), for a few
        milliseconds, while the next command of a script is already starting."""
        ends = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= ends:
                    return False
                time.sleep(0.002)

    def __exit__(self, *exc) -> None:
        _held.remove(self.handle)
        self.handle.seek(0)
        self.handle.truncate()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
