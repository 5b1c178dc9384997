"""Runs the SCons engine on an action graph and reads back what it did."""
from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Tuple

from bfbuild import outcome
from bfbuild.engine.progress import ERASE, wants_live
from bfbuild.engine.record import ActionRecord, read_build_record
from bfbuild.layout import BUILD_RECORD, ENGINE_GRAPH_FILE, GRAPH_FILE, STATE_DIR
from bfbuild.lock import held_lock_fds

if TYPE_CHECKING:  # an annotation only: importing analysis costs a replayed build 30 ms
    from bfbuild.analysis.graph import ActionGraph

ENGINE_SCRIPT = Path(__file__).with_name("sconstruct.py")
_ACTION_FAILED = re.compile(r"^scons: \*\*\* \[.*\] Error 1$")


@dataclass(frozen=True)
class CacheOptions:
    """The action cache (bfbuild.engine.cache): a local folder, a remote URL, read-only modes."""

    local_dir: Optional[str] = None
    remote_url: Optional[str] = None
    readonly: bool = False
    remote_readonly: bool = False
    remote_headers: Tuple[Tuple[str, str], ...] = ()  # (name, value) sent with every request
    remote_instance: str = ""  # the REAPI instance name


@dataclass
class BuildResult:
    ok: bool
    total_actions: int
    executed: List[ActionRecord] = field(default_factory=list)  # one per action that ran
    seconds: float = 0.0

    @property
    def failed(self) -> List[ActionRecord]:
        return [r for r in self.executed if not r.ok]

    @property
    def ran(self) -> List[ActionRecord]:
        """Actions whose command really ran (not restored from a cache)."""
        return [r for r in self.executed if r.ran_command]

    @property
    def from_cache(self) -> List[ActionRecord]:
        return [r for r in self.executed if not r.ran_command]


def execute(root: Path, graph: ActionGraph, jobs: int = 0, keep_going: bool = False,
            cache: Optional[CacheOptions] = None, engine_graph=None) -> BuildResult:
    """Build `graph` (written to GRAPH_FILE for other tools); the engine walks `engine_graph`
    instead when given: the part of it a change reaches (bfbuild.incremental)."""
    started = time.time()
    state = root / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    graph_file = root / GRAPH_FILE
    record_file = root / BUILD_RECORD
    graph.write(graph_file)
    if record_file.exists():
        record_file.unlink()
    if engine_graph is not None:
        graph_file = root / ENGINE_GRAPH_FILE
        engine_graph.write(graph_file)
    else:  # the whole graph: no part of an earlier build may pass for this one's
        (root / ENGINE_GRAPH_FILE).unlink(missing_ok=True)
    if not (engine_graph or graph).goals:
        return BuildResult(ok=True, total_actions=len(graph.actions),
                           seconds=time.time() - started)
    argv = [sys.executable, "-m", "SCons", "-f", str(ENGINE_SCRIPT), "-C", str(root), "-Q", "-s",
            "--hash-format=sha256", "--no-site-dir", f"-j{jobs or os.cpu_count() or 1}",
            f"BFGRAPH={graph_file}", f"BFRECORD={record_file}", f"BFSTATE={state}",
            f"BFPACKAGE={Path(__file__).resolve().parents[2]}", f"BFPARENT={os.getpid()}"]
    if keep_going:
        argv.append("-k")
    if cache and cache.local_dir:
        argv.append(f"BFCACHE={cache.local_dir}")
    if cache and cache.remote_url:
        argv.append(f"BFREMOTE={cache.remote_url}")
    if cache and cache.readonly:
        argv.append("BFCACHE_RO=1")
    if cache and cache.remote_readonly:
        argv.append("BFREMOTE_RO=1")
    if cache and cache.remote_instance:
        argv.append(f"BFREMOTE_INSTANCE={cache.remote_instance}")
    # The engine shares this process's stdout, but only this process knows the CI setting and
    # can ask for the terminal's width before anything else writes to it.
    live = wants_live(sys.stdout)
    if live:
        argv += ["BFLIVE=1", f"BFCOLUMNS={shutil.get_terminal_size().columns}"]
    sys.stdout.flush()  # our own lines first, then the engine's
    env = dict(os.environ)
    env.pop("SCONSFLAGS", None)
    if cache and cache.remote_headers:  # not on the engine's command line, where ps shows it
        env["BFREMOTE_HEADERS"] = json.dumps([list(pair) for pair in cache.remote_headers])
    # The engine imports bfbuild from wherever this process found it.
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    proc = _run_supervised(argv, root, env)
    if live:  # the engine clears its status line, unless it was killed first
        sys.stdout.write(ERASE)
        sys.stdout.flush()
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not _ACTION_FAILED.match(line):  # the engine already printed the failure, in full
            print(line, file=sys.stderr)
    executed = read_build_record(root)
    return BuildResult(ok=proc.returncode == 0, total_actions=len(graph.actions),
                       executed=executed, seconds=time.time() - started)


_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# What starts the engine: called as subprocess.Popen is, it returns an object with the part of
# Popen used below (pid, communicate(), returncode). The build server's command processes fork
# the engine from their warm imports instead (bfbuild.server.warm_engine).
_launch_engine = subprocess.Popen


def use_engine_launcher(launcher) -> None:
    global _launch_engine
    _launch_engine = launcher


def _run_supervised(argv: List[str], root: Path, env: dict) -> subprocess.CompletedProcess:
    """Run the engine in a process group of its own, holding the workspace lock with us.

    Terminal and `timeout` signals are forwarded to the whole group (SCons stops cleanly, its
    compilers with it); after the engine is gone the signal takes its usual effect here. If this
    process is killed outright, the engine kills its group itself (engine.supervision).

    When someone waits for the command's outcome (a served command, bfbuild.outcome), the engine
    says when its last action is done and the build succeeded (BFDONE): the result is returned
    then, while the engine writes SCons's database; this process waits for it before it ends
    (the engine dies with it), and the engine holds the workspace lock until it is done."""
    _finish_earlier_engines()  # one engine at a time on the database and the journal
    done = os.pipe() if outcome.awaited() else None
    if done:
        argv = [*argv, f"BFDONE={done[1]}"]
    proc = _launch_engine(argv, cwd=root, env=env, stderr=subprocess.PIPE, start_new_session=True,
                          pass_fds=(*held_lock_fds(), *([done[1]] if done else [])))
    if done:
        os.close(done[1])
    received = []

    def forward(signum, _frame):
        received.append(signum)
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            pass

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, forward) for sig in _FORWARDED} if in_main_thread else {}
    try:
        stderr, returncode = _until_done(proc, done[0] if done else None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        if received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        signal.raise_signal(received[0])
    return subprocess.CompletedProcess(argv, returncode, None, stderr)


def _until_done(proc, done_fd: Optional[int]) -> Tuple[bytes, int]:
    """(the engine's stderr, its exit status): at its end, or, with `done_fd`, as soon as it
    says its build succeeded (then its end is waited for when this process ends)."""
    if done_fd is None:
        return proc.communicate()[1], proc.returncode
    chunks, stderr_fd = [], proc.stderr.fileno()
    watched = [stderr_fd, done_fd]
    while stderr_fd in watched:
        ready = select.select(watched, [], [])[0]
        if done_fd in ready:
            said = os.read(done_fd, 64)
            watched.remove(done_fd)
            os.close(done_fd)
            if said.startswith(b"ok"):
                if not _still_running:
                    atexit.register(_finish_earlier_engines)
                _still_running.append(proc)
                return b"".join(chunks), 0
        if stderr_fd in ready:
            data = os.read(stderr_fd, 65536)
            if data:
                chunks.append(data)
            else:
                watched.remove(stderr_fd)
    if done_fd in watched:
        os.close(done_fd)
    proc.wait()
    return b"".join(chunks), proc.returncode


_still_running = []  # engines whose result was returned while they write their database


def _finish_earlier_engines() -> None:
    """Wait for the engines whose result was returned early (their database write, then their
    exit): before another engine starts (a command that builds twice, as `bfbuild pgo` does),
    and before this process ends (the engine dies with it)."""
    while _still_running:
        proc = _still_running.pop(0)
        rest = proc.stderr.read()
        proc.wait()
        if rest:
            sys.stderr.write(rest.decode(errors="replace"))
