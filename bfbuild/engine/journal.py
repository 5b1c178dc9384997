"""The pending-outputs journal: what a killed build may have left behind that nothing vouches for.

SCons writes its database (which inputs each output was built from) once, at the end of a build.
An output renamed into place before that write is newer than its record: if the build is killed
(SIGKILL, an OOM kill, power loss) and the source is then reverted, the old record matches the
reverted source and the new output would be trusted. So every output is named here, durably,
*before* it is renamed into place; the next engine deletes every output the journal names before
it decides anything, and the journal is emptied only after the database is safely on disk.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Iterable, List

JOURNAL_NAME = "pending_outputs"


class Journal:
    def __init__(self, state_dir: str):
        self.path = os.path.join(state_dir, JOURNAL_NAME)
        self._lock = threading.Lock()
        self._handle = None

    def pending(self) -> List[str]:
        """Outputs renamed into place by a build whose database was never written."""
        try:
            with open(self.path, encoding="utf-8", errors="surrogateescape") as handle:
                lines = handle.read().splitlines()
        except OSError:
            return []
        paths = []
        for line in lines:
            try:
                paths.append(json.loads(line))
            except ValueError:
                continue  # a line torn by the kill: its rename never happened
        return [path for path in paths if isinstance(path, str)]

    def discard_pending(self) -> List[str]:
        """Delete every output the journal names, so that the build remakes it."""
        removed = []
        for path in dict.fromkeys(self.pending()):
            try:
                os.unlink(path)
                removed.append(path)
            except FileNotFoundError:
                pass
            except IsADirectoryError:
                pass
        return removed

    def note(self, outputs: Iterable[str]) -> None:
        """Record outputs about to be renamed into place; durable before this returns."""
        data = "".join(json.dumps(path) + "\n" for path in outputs).encode("utf-8",
                                                                        "surrogateescape")
        with self._lock:
            if self._handle is None:
                self._handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(self._handle, data)
            os.fdatasync(self._handle)

    def clear(self) -> None:
        """After the engine's database and every output reached the disk: nothing is pending."""
        with self._lock:
            if self._handle is not None:
                os.close(self._handle)
                self._handle = None
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
