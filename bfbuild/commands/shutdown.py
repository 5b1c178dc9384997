"""`bfbuild shutdown`: stop the build server of this workspace (docs/server.md), and the
`server:` key of BUILD.yaml (`server: {idle_seconds: N}`) the server reads."""
import os
import signal
import time

from bfbuild.commands import EXIT_OK, NEEDS_PLUGINS, Command
from bfbuild.errors import BfError

SERVER_KEY, IDLE_KEY = "server", "idle_seconds"
STOP_WAIT_SECONDS = 30.0  # its running commands get SIGTERM and stop their engines first


def check_server_settings(value, line) -> None:
    from bfbuild.layout import BUILD_FILE

    if not isinstance(value, dict):
        raise BfError(f"'{SERVER_KEY}' must be a mapping, e.g. {{{IDLE_KEY}: 3600}}",
                      file=BUILD_FILE, line=line)
    for key, setting in value.items():
        where = value.line_of(key) if hasattr(value, "line_of") else line
        if key != IDLE_KEY:
            raise BfError(f"unknown server setting '{key}'", file=BUILD_FILE, line=where,
                          hint=f"known: {IDLE_KEY}")
        if isinstance(setting, bool) or not isinstance(setting, (int, float)) or setting <= 0:
            raise BfError(f"'{IDLE_KEY}' must be a positive number of seconds", file=BUILD_FILE,
                          line=where)


check_server_settings.json_schema = {
    "type": "object", "additionalProperties": False,
    "description": "the build server of this workspace (docs/server.md)",
    "properties": {IDLE_KEY: {"type": "number", "exclusiveMinimum": 0,
                              "description": "seconds without a command before it stops"}}}


def _is_server(pid: int, root: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read().split(b"\0")
    except OSError:
        return False
    return b"bfbuild.server" in words and os.fsencode(root) in words


def run(invocation) -> int:
    from bfbuild import rundir
    from bfbuild.loading.workspace import find_root

    root = str(find_root())
    pid = rundir.read_pid(rundir.server_dir(root))
    if not pid or not _is_server(pid, root):
        print("bfbuild: no build server runs for this workspace")
        return EXIT_OK
    os.kill(pid, signal.SIGTERM)
    ends = time.monotonic() + STOP_WAIT_SECONDS
    while _is_server(pid, root) and time.monotonic() < ends:
        time.sleep(0.02)
    if _is_server(pid, root):
        raise BfError(f"the build server (pid {pid}) did not stop within {STOP_WAIT_SECONDS:g}s",
                      hint=f"kill -9 {pid}; the next command starts a new one")
    print(f"bfbuild: build server stopped (pid {pid})")
    return EXIT_OK


COMMAND = Command("shutdown", "stop this workspace's build server (the next command starts one)",
                  run, needs=NEEDS_PLUGINS)
