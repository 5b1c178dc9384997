"""Fault injection: builds killed at many instants, and the next build is still exactly right.

Two ways of killing: BFBUILD_FAULT stops the engine at a chosen instant (right after an output is
journaled, right after it is renamed into place, right after SCons wrote its database) with a
SIGKILL of bfbuild and of the engine's whole process group, as `kill -9` or an OOM kill would; and
a SIGKILL of bfbuild's process group from outside at seeded random moments. After each kill the
edit that build was making is reverted, and the rebuild must give images byte-identical to a clean
build of the unedited sources.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from tests.integration.conftest import copy_workspace
from tests.integration.test_server import server_processes

pytestmark = pytest.mark.slow

CPUS = "i686,haswell"
IMAGES = ["bfout/i686-off-clang/images/tinyllama/tinyllama.img",
          "bfout/i686-off-clang/apps/tinyllama/data_disk/data_disk.img",
          "bfout/haswell-off-clang/images/tinyllama/tinyllama.img",
          "bfout/haswell-off-clang/apps/tinyllama/data_disk/data_disk.img"]
# Headers included by the runtime, the application and every module: an edit to them changes
# most objects of the matrix, so a killed build is long and its kill points many.
EDITS = {"kernel/include/bf/io.h": "\nstatic const int bf_fault_marker __attribute__((used)) = 1;\n",
         "modules/common/modlib.h": "\nstatic const int bf_fault_marker __attribute__((used)) = 2;\n"}
BUILD = ("build", "//images:tinyllama", "--cpu", CPUS, "--no-cache")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The images of a clean build of the unedited sources."""
    ws = copy_workspace(tmp_path_factory.mktemp("reference") / "ws")
    ws.bfbuild(*BUILD, check=0)
    return {path: ws.path(path).read_bytes() for path in IMAGES}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One workspace, fully built once; every test below edits, kills and reverts in it."""
    ws = copy_workspace(tmp_path_factory.mktemp("faults") / "ws")
    ws.bfbuild(*BUILD, check=0)
    return ws


def _edit(ws):
    originals = {}
    for path, text in EDITS.items():
        originals[path] = ws.path(path).read_text()
        ws.append(path, text)
    return originals


def _revert(ws, originals):
    for path, text in originals.items():
        ws.path(path).write_text(text)


def _assert_clean_bytes(ws, reference):
    proc = ws.bfbuild(*BUILD, check=0)
    for path, data in reference.items():
        assert ws.path(path).read_bytes() == data, f"{path} differs from a clean build\n{proc.stdout}"
    assert not ws.path("bfout/.bfbuild/pending_outputs").exists()


def _engine_processes(ws):
    """Processes whose command line names this workspace (the engine, QEMU)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if str(ws.root) in cmdline and "SCons" in cmdline:
            found.append((pid, cmdline.replace("\0", " ")))
    return found


def _wait_until_gone(ws, seconds=10.0):
    ends = time.monotonic() + seconds
    while time.monotonic() < ends and _engine_processes(ws):
        time.sleep(0.05)
    return _engine_processes(ws)


# The kills above are of a bfbuild running in one process (its own engine a child of it), even
# when the suite runs through servers (BFBUILD_TEST_SERVER=1); the server's own cases follow.
LOCAL = {**os.environ, "BFBUILD_SERVER": "0"}


# Spread over the whole edited build (about 70 renames on a 2-CPU matrix): the first and last
# outputs, points in between, the instant between journal and rename, and the instant after
# SCons wrote its database but before the journal was emptied.
FAULTS = ["journaled:1", "renamed:1", "renamed:7", "renamed:20", "renamed:40", "renamed:60",
          "journaled:55", "database-written:1"]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_build_killed_at_a_chosen_instant_then_reverted_rebuilds_to_clean_bytes(
        built, reference, fault):
    originals = _edit(built)
    env_fault = {"BFBUILD_FAULT": fault}
    proc = subprocess.run([sys.executable, "-m", "bfbuild", *BUILD], cwd=built.root,
                          capture_output=True, text=True, timeout=600,
                          env={**LOCAL, **env_fault})
    _revert(built, originals)
    # bfbuild died of the SIGKILL: the fault point was reached.
    assert proc.returncode == -signal.SIGKILL, (fault, proc.returncode, proc.stdout)
    assert _wait_until_gone(built) == []
    _assert_clean_bytes(built, reference)


def test_builds_killed_from_outside_at_random_moments_rebuild_to_clean_bytes(built, reference):
    rng = random.Random(11)  # seeded: the same moments on every run
    for _ in range(4):
        originals = _edit(built)
        proc = subprocess.Popen([sys.executable, "-m", "bfbuild", *BUILD], cwd=built.root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=LOCAL)
        time.sleep(rng.uniform(0.3, 4.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _revert(built, originals)
        assert _wait_until_gone(built) == []
        _assert_clean_bytes(built, reference)


def _start_and_wait_for_engine(ws, *args):
    proc = subprocess.Popen([sys.executable, "-m", "bfbuild", *args], cwd=ws.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=LOCAL)
    ends = time.monotonic() + 60
    while time.monotonic() < ends and not _engine_processes(ws):
        time.sleep(0.02)
    assert _engine_processes(ws), "the engine never started"
    time.sleep(0.3)  # let it start some actions
    return proc


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_killing_bfbuild_alone_leaves_no_engine_running(built, reference, signum):
    """Only bfbuild's own process gets the signal (as with `timeout`, a closed terminal, or an
    OOM kill of the parent); its engine and the compilers it started must not outlive it."""
    originals = _edit(built)
    proc = _start_and_wait_for_engine(built, *BUILD)
    os.kill(proc.pid, signum)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    # Gone within seconds, not after finishing the build (which takes longer than this).
    assert _wait_until_gone(built, seconds=3.0) == []
    _revert(built, originals)
    # The lock is free at once and the next build is right.
    started = time.monotonic()
    _assert_clean_bytes(built, reference)
    assert time.monotonic() - started < 300


def test_an_output_changed_by_hand_is_rebuilt_not_fed_downstream(built, reference):
    exit_o = built.path("bfout/any-any-clang/kernel/runtime_c/runtime/exit.o")
    original = exit_o.read_bytes()
    with open(exit_o, "ab") as handle:
        handle.write(b"damage")
    _assert_clean_bytes(built, reference)
    assert exit_o.read_bytes() == original
    assert any(r["mnemonic"] == "CC" and "runtime/exit.o" in r["outputs"][0]
               for r in built.executed())


# The same kills with the build server on (docs/server.md): the command runs in a child of the
# server and its engine is forked from the server. A representative subset, for CI time: a kill at
# a chosen instant, and the client alone killed (its command and engine must not outlive it).
@pytest.fixture(scope="module")
def server_env(built):
    env = {**os.environ, "BFBUILD_SERVER": "1", "BFBUILD_SERVER_IDLE": "300",
           "BFBUILD_SERVER_DIR": tempfile.mkdtemp(prefix="bfsrv")}
    yield env
    subprocess.run([sys.executable, "-m", "bfbuild", "shutdown"], cwd=built.root, env=env,
                   capture_output=True, timeout=60)
    shutil.rmtree(env["BFBUILD_SERVER_DIR"], ignore_errors=True)


def _served_processes(ws, env):
    """The server's commands and their forked engines, without the server itself."""
    return server_processes(ws.root, env["BFBUILD_SERVER_DIR"])


def test_with_the_server_a_build_killed_at_a_chosen_instant_rebuilds_to_clean_bytes(
        built, reference, server_env):
    originals = _edit(built)
    proc = subprocess.run([sys.executable, "-m", "bfbuild", *BUILD], cwd=built.root,
                          capture_output=True, text=True, timeout=600,
                          env={**server_env, "BFBUILD_FAULT": "renamed:20"})
    _revert(built, originals)
    # The command died of the SIGKILL in the server; the client ends the same way.
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)
    ends = time.monotonic() + 10
    while time.monotonic() < ends and _served_processes(built, server_env):
        time.sleep(0.05)
    assert _served_processes(built, server_env) == []
    _assert_clean_bytes(built, reference)


def test_with_the_server_killing_the_client_stops_its_command_and_engine(
        built, reference, server_env):
    subprocess.run([sys.executable, "-m", "bfbuild", "query", "//kernel:runtime"], cwd=built.root,
                   env=server_env, capture_output=True, check=True)  # the server is up
    originals = _edit(built)
    client = subprocess.Popen([sys.executable, "-m", "bfbuild", *BUILD], cwd=built.root,
                              env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ends = time.monotonic() + 60
    while time.monotonic() < ends and len(_served_processes(built, server_env)) < 2:  # command and engine
        time.sleep(0.02)
    assert len(_served_processes(built, server_env)) >= 2, "the served command never started its engine"
    time.sleep(0.3)
    client.kill()
    client.wait(timeout=60)
    ends = time.monotonic() + 3.0  # gone within seconds, not after finishing the build
    while time.monotonic() < ends and _served_processes(built, server_env):
        time.sleep(0.05)
    assert _served_processes(built, server_env) == []
    # The command was stopped (the client gone is a SIGHUP to it), not left to finish the build.
    folder = server_env["BFBUILD_SERVER_DIR"]
    ends = time.monotonic() + 5.0
    while True:  # the server logs how the command ended once it has reaped it
        log = "".join(open(os.path.join(folder, d, "log")).read() for d in os.listdir(folder))
        if log.splitlines()[-1].endswith(": signal 1") or time.monotonic() > ends:
            break
        time.sleep(0.05)
    assert log.splitlines()[-1].endswith(": signal 1"), log
    _revert(built, originals)
    _assert_clean_bytes(built, reference)


def test_with_the_server_a_kill_after_the_outcome_costs_a_rebuild_not_a_wrong_output(
        built, reference, server_env):
    """A served build tells its client the outcome once its last action is done; its engine
    then writes the database, meanwhile. Killed right after that write (before the journal is
    emptied), the command is either told already (success: the outputs are the edit's) or dies
    of the kill first; either way the next build (reverted) deletes what the journal names and
    rebuilds to clean bytes."""
    originals = _edit(built)
    proc = subprocess.run([sys.executable, "-m", "bfbuild", *BUILD], cwd=built.root,
                          capture_output=True, text=True, timeout=600,
                          env={**server_env, "BFBUILD_FAULT": "database-written:1"})
    told = proc.returncode == 0 and "bfbuild: done" in proc.stdout
    assert told or proc.returncode == -signal.SIGKILL, (proc.stdout, proc.stderr)
    ends = time.monotonic() + 10
    while time.monotonic() < ends and _served_processes(built, server_env):
        time.sleep(0.05)
    assert _served_processes(built, server_env) == []
    assert built.path("bfout/.bfbuild/pending_outputs").exists()  # killed before it was emptied
    _revert(built, originals)
    _assert_clean_bytes(built, reference)
