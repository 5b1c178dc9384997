"""Where the build server of a workspace keeps its socket, pid file and log.

Not under bfout/: a command refused for bad input never touches bfout/, `bfbuild clean` must not
pull the socket from under a running server, and a Unix socket's path is limited to 107 bytes,
which a deep workspace path would exceed. So each workspace gets a folder named by the digest of
its real path in a private folder of the user: $BFBUILD_SERVER_DIR, else
$XDG_RUNTIME_DIR/bfbuild, else /tmp/bfbuild-<uid> (mode 0700, refused unless the user owns it).
The client imports this module: standard library only, nothing slow.
"""
from __future__ import annotations

import os
import stat

try:  # the C module alone: hashlib costs the client 4 ms of imports
    from _sha256 import sha256
except ImportError:  # Python 3.12 and later
    from hashlib import sha256

SOCKET, PID, LOG, START_LOCK, ROOT = "sock", "pid", "log", "start.lock", "root"


class UnsafeRunDir(Exception):
    """The folder exists but another user owns it, or others may write to it."""


def _base() -> str:
    explicit = os.environ.get("BFBUILD_SERVER_DIR")
    if explicit:
        return explicit
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "bfbuild")
    return f"/tmp/bfbuild-{os.getuid()}"


def server_dir(root: str) -> str:
    """The folder of the server of the workspace at `root` (a real path)."""
    digest = sha256(os.fsencode(root)).hexdigest()[:16]
    return os.path.join(_base(), digest)


def ensure_private(folder: str) -> str:
    """Create `folder` (and its parent) as 0700 folders of this user; refuse a foreign one."""
    for path in (os.path.dirname(folder), folder):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(path)
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid()
                or info.st_mode & 0o022):
            raise UnsafeRunDir(f"{path} is not a private folder of this user")
    return folder


def read_pid(folder: str) -> int:
    """The pid the server wrote, or 0."""
    try:
        with open(os.path.join(folder, PID)) as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
