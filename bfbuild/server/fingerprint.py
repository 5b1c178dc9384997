"""What the server's warm state was made of, checked before every command it serves.

The server imported bfbuild, its installed plugins, SCons and their libraries once; a command
served from that state must see the same code a new process would import. So the server
records the stat (size, mtime, inode) of every module file it holds, of the interpreter, and the
names in every folder of sys.path (a package installed or removed changes them), and before each
command compares them: any difference and the server hands the command back and exits.
Modules a command imports later (a workspace's plugins, the SCons script) are read from disk by
that command, and the toolchain is resolved by every command afresh (the analysis cache records
it), so neither can be stale in the server.
"""
from __future__ import annotations

import os
import sys
from typing import Dict, List, Optional, Tuple


def _stat(path: str):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def _names(folder: str):
    try:
        return tuple(sorted(os.listdir(folder)))
    except OSError:
        return None


class Fingerprint:
    def __init__(self) -> None:
        files = {sys.executable}
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if isinstance(path, str):
                files.add(path)
        self.files: Dict[str, object] = {path: _stat(path) for path in sorted(files)}
        # Not the folder the server was started in (`python -m` puts it first): its own.
        folders = [entry for entry in sys.path
                   if entry and os.path.isdir(entry) and entry != os.getcwd()]
        self.folders: List[Tuple[str, object]] = [(folder, _names(folder)) for folder in folders]

    def changed(self) -> Optional[str]:
        """Why the warm state is no longer what a new process would load, or None."""
        for path, state in self.files.items():
            if _stat(path) != state:
                return f"{path} changed since the server started"
        for folder, names in self.folders:
            if _names(folder) != names:
                return f"the packages in {folder} changed since the server started"
        return None
