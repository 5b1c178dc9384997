"""The build server with real builds: start, reuse, idle stop, restart after bfbuild's code
changed, kill -9 mid-build, Ctrl-C, two clients at once, and the same results as --no-server.

Each test has its own server folder (BFBUILD_SERVER_DIR) and stops its server at the end.
"""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from tests.integration.conftest import REPO, copy_workspace

pytestmark = pytest.mark.slow

TARGET = "//kernel:runtime"
ARCHIVE = "bfout/any-any-clang/kernel/runtime/libruntime.a"
HEADER = "kernel/include/bf/io.h"  # included by several runtime sources: a build of seconds
EDIT = "\n#define BF_SERVER_TEST 1\n"
WIDE_EDIT = ("kernel/include/bf/io.h", "kernel/include/bf/console.h", "kernel/include/bf/string.h",
             "kernel/include/bf/cpu.h")


def server_processes(root, folder=None):
    """The pids of the server of the workspace at `root`, its commands and their engines (forked:
    they carry the server's command line, which names the workspace); without the server itself
    when its BFBUILD_SERVER_DIR `folder` is given."""
    servers = set()
    for name in os.listdir(folder) if folder else ():
        try:
            servers.add(int(open(os.path.join(folder, name, "pid")).read()))
        except (OSError, ValueError):
            pass
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            words = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"bfbuild.server" in words and os.fsencode(str(root)) in words:
            found.append(int(pid))
    if folder:  # any other server of the workspace too (one in another folder, as a suite run
        # through servers has): a server is the one whose parent is not one of these processes
        servers |= {pid for pid in found if _parent(pid) not in found}
    return [pid for pid in found if pid not in servers]


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


class Served:
    """A workspace whose bfbuild commands go through a server of its own."""

    def __init__(self, ws, cache, **env):
        self.ws = ws
        self.folder = tempfile.mkdtemp(prefix="bfsrv")  # short: a socket path has 107 bytes
        self.env = {**os.environ, "BFBUILD_SERVER": "1", "BFBUILD_SERVER_DIR": self.folder,
                    "BFBUILD_SERVER_IDLE": "120",
                    "BFBUILD_CACHE_DIR": str(cache), **env}
        self.env.pop("BFBUILD_REMOTE_CACHE", None)

    def start(self, *args, **options):
        return subprocess.Popen([sys.executable, "-m", "bfbuild", *args], cwd=self.ws.root,
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, **options)

    def run(self, *args, check=0):
        proc = subprocess.run([sys.executable, "-m", "bfbuild", *args], cwd=self.ws.root,
                              env=self.env, capture_output=True, text=True, timeout=300)
        assert check is None or proc.returncode == check, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    def log(self) -> str:
        logs = [os.path.join(d, "log") for d in self._server_dirs()]
        return "".join(open(path).read() for path in logs if os.path.exists(path))

    def _server_dirs(self):
        return [os.path.join(self.folder, d) for d in os.listdir(self.folder)]

    def pid(self) -> int:
        for folder in self._server_dirs():
            try:
                return int(open(os.path.join(folder, "pid")).read())
            except (OSError, ValueError):
                pass
        return 0

    def processes(self):
        return server_processes(self.ws.root)

    def wait_for_commands(self, count: int, seconds=60.0):
        """Until the server runs `count` processes beside itself (a command and its engine)."""
        ends = time.monotonic() + seconds
        while time.monotonic() < ends and len(self.processes()) < 1 + count:
            time.sleep(0.02)
        assert len(self.processes()) >= 1 + count, self.log()

    def wait_until_gone(self, seconds: float, keep=()):
        """The processes beside `keep` still there after at most `seconds`."""
        ends = time.monotonic() + seconds
        while time.monotonic() < ends and set(self.processes()) - set(keep):
            time.sleep(0.05)
        return sorted(set(self.processes()) - set(keep))

    def stop(self):
        subprocess.run([sys.executable, "-m", "bfbuild", "shutdown"], cwd=self.ws.root,
                       env=self.env, capture_output=True, timeout=60)
        for pid in self.wait_until_gone(5.0):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """Builds in one process (--no-server, then BFBUILD_SERVER=0): a clean build, whose action
    cache the other tests start from (their first build is restored from it), then a header
    edit: its report and archive."""
    ws = copy_workspace(tmp_path_factory.mktemp("local") / "ws")
    cache = ws.root.parent / "cache"
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-m", "bfbuild", "build", TARGET, "--no-server"],
                   cwd=ws.root, env=env, capture_output=True, check=True)
    shutil.copytree(cache, ws.root.parent / "clean-cache")  # without the edit's objects
    ws.append(HEADER, EDIT)
    proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", TARGET], cwd=ws.root,
                          env={**env, "BFBUILD_SERVER": "0"}, capture_output=True, text=True,
                          check=True)
    return {"stdout": proc.stdout, "archive": ws.path(ARCHIVE).read_bytes(),
            "cache": ws.root.parent / "clean-cache"}


@pytest.fixture
def served(tmp_path, local):
    server = Served(copy_workspace(tmp_path / "ws"), local["cache"])
    yield server
    server.stop()


def _lock_is_free(ws) -> bool:
    with open(ws.path("bfout/.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _summary(stdout: str):
    """The lines of a build's report, in order but for the progress lines (parallel actions),
    without its timings."""
    lines = [re.sub(r", [0-9.]+s \([0-9.]+s wall\)$", "", line) for line in stdout.splitlines()]
    # Parallel actions start in either order: compare what ran, not its number.
    return sorted(re.sub(r"^\[\d+/", "[", line) for line in lines if line.startswith("[")), [
        line for line in lines if not line.startswith("[")]


def test_a_server_starts_serves_again_warm_gives_local_results_and_shuts_down(served, local):
    served.run("build", TARGET)  # restored from the cache the local build filled
    pid = served.pid()
    # The client ends once the outcome is settled; the command's process then writes its
    # records (bfbuild.outcome) and ends too.
    assert pid and served.wait_until_gone(10.0, keep=[pid]) == [] and served.processes() == [pid]
    again = served.run("build", TARGET)  # the no-op answer, by the server itself
    assert "nothing changed" in again.stdout and served.pid() == pid
    assert f"[{pid}] answered: bfbuild build {TARGET} (nothing changed)" in served.log()
    served.ws.append(HEADER, EDIT)
    edited = served.run("build", TARGET)
    assert served.pid() == pid
    ends = time.monotonic() + 10  # the last command ends after its client (bfbuild.outcome)
    while served.log().count(f"[{pid}] command ") < 4 and time.monotonic() < ends:
        time.sleep(0.02)
    assert served.log().count(f"[{pid}] command ") == 4  # two commands, started and ended
    # What one process reported and wrote for the same edit: the same compiles, the same bytes.
    assert _summary(edited.stdout) == _summary(local["stdout"])
    assert served.ws.path(ARCHIVE).read_bytes() == local["archive"]
    # Told the outcome before the records are written, a next command at once still finds them
    # (it looks under the lock), without a word about waiting.
    served.ws.append(HEADER, "\n#define BF_AT_ONCE 1\n")
    served.run("build", TARGET)
    at_once = served.run("build", TARGET)
    assert "nothing changed" in at_once.stdout and "waiting" not in at_once.stderr
    stopped = served.run("shutdown")
    assert f"stopped (pid {pid})" in stopped.stdout and served.wait_until_gone(5.0) == []
    assert "no build server" in served.run("shutdown").stdout


def test_a_server_whose_code_changed_is_replaced_and_an_idle_one_stops(tmp_path):
    """bfbuild imported from a copy (PYTHONPATH) whose module then changes: the next command
    is handed to a new server, which runs the new code; left idle, that one stops by itself."""
    code = tmp_path / "code"
    for package in ("bfbuild", "bfbuild_unikernel"):
        shutil.copytree(REPO / package, code / package, ignore=shutil.ignore_patterns("__pycache__"))
    served = Served(copy_workspace(tmp_path / "ws"), tmp_path / "cache", PYTHONPATH=str(code),
                    BFBUILD_SERVER_IDLE="3")
    try:
        served.run("query", TARGET)
        old = served.pid()
        with open(code / "bfbuild" / "layout.py", "a") as handle:
            handle.write("\n# changed\n")
        proc = served.run("query", TARGET)
        assert "restarting the build server: " in proc.stderr and "layout.py changed" in proc.stderr
        new = served.pid()
        assert new != old and served.processes() == [new], served.log()
        assert "//kernel:runtime" in proc.stdout
        assert served.wait_until_gone(10.0) == []
        assert f"[{new}] stopping: idle for 3s" in served.log()
    finally:
        served.stop()


def test_a_server_killed_mid_build_leaves_nothing_and_is_replaced(served):
    served.run("build", TARGET)
    original = served.ws.path(ARCHIVE).read_bytes()
    texts = {header: served.ws.path(header).read_text() for header in WIDE_EDIT}
    for header in WIDE_EDIT:  # most runtime sources recompile: a build of several seconds
        served.ws.append(header, "\n#define BF_KILLED_SERVER 1\n")
    client = served.start("build", TARGET)
    served.wait_for_commands(2)  # the command and its engine
    server = served.pid()
    os.kill(server, signal.SIGKILL)
    # Gone within seconds, not after finishing the build: no command, no engine left behind.
    assert served.wait_until_gone(2.0) == []
    out, err = client.communicate(timeout=60)
    assert client.returncode == 1 and "build server stopped during the command" in err
    assert "bfbuild: done" not in out  # the command did not go on to finish the build
    assert _lock_is_free(served.ws)
    for header, text in texts.items():
        served.ws.path(header).write_text(text)
    proc = served.run("build", TARGET)
    assert "had stopped (killed or crashed); starting a new one" in proc.stderr
    assert served.pid() != server
    assert served.ws.path(ARCHIVE).read_bytes() == original
    assert not served.ws.path("bfout/.bfbuild/pending_outputs").exists()


def test_ctrl_c_and_a_second_client_reach_the_server(served):
    served.run("build", TARGET)
    for header in WIDE_EDIT:  # a build of several seconds: the second client waits, and says so
        served.ws.append(header, "\n#define BF_TWO_CLIENTS 1\n")
    first = served.start("build", TARGET)
    served.wait_for_commands(2)
    second = served.start("build", TARGET)
    out2, err2 = second.communicate(timeout=120)
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == second.returncode == 0, (err1, err2)
    assert "waiting for the workspace lock" in err2, err2
    # Ctrl-C of the client stops the command in the server, and its engine.
    served.ws.append(HEADER, "\n#define BF_INTERRUPTED 1\n")
    client = served.start("build", TARGET)
    served.wait_for_commands(2)
    client.send_signal(signal.SIGINT)
    _out, err = client.communicate(timeout=60)
    assert client.returncode == 130 and "interrupted" in err
    assert served.wait_until_gone(3.0, keep=[served.pid()]) == []
    assert _lock_is_free(served.ws)


def test_a_noop_behind_a_busy_lock_waits_in_a_command_process(served):
    """The server answers a no-op itself only while the workspace lock is free; otherwise a
    command process waits for the lock, as a local bfbuild does, then answers."""
    served.run("build", TARGET)
    with open(served.ws.path("bfout/.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = served.start("build", TARGET)
        time.sleep(1.5)
        assert client.poll() is None  # not answered past the lock
    out, err = client.communicate(timeout=60)
    assert client.returncode == 0 and "nothing changed" in out
    assert "waiting for the workspace lock" in err


def test_a_served_build_ends_its_engine_after_the_outcome_and_a_failure_is_one(served):
    """The client has its status once the last action is done; the engine's database write
    follows, under the lock, and a failed build is never told as a success."""
    served.run("build", TARGET)
    served.ws.append(HEADER, "\n#define BF_ENGINE_AFTER 1\n")
    done = served.run("build", TARGET)
    assert "bfbuild: done" in done.stdout
    pid = served.pid()
    assert served.wait_until_gone(10.0, keep=[pid]) == []
    assert not served.ws.path("bfout/.bfbuild/pending_outputs").exists()  # the database is written
    assert _lock_is_free(served.ws)  # the lock the server took and handed to the command
    assert "nothing changed" in served.run("build", TARGET).stdout
    served.ws.append(HEADER, "\n#error a broken header\n")
    broken = served.start("build", TARGET)
    out, err = broken.communicate(timeout=120)
    assert broken.returncode == 1 and "a broken header" in out + err and "bfbuild: FAILED" in out
