"""The action cache against real servers on 127.0.0.1, the same scenarios on each: nginx with
WebDAV speaking Bazel's HTTP cache protocol, and BuildGrid speaking REAPI over gRPC. The builds
are of the runtime library (40 actions, compiles with header manifests). One server per module
and kind, filled once; the tests run in file order, the server's death last."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.integration.cache_servers import SERVERS, BuildGrid, Nginx
from tests.integration.conftest import copy_workspace

pytestmark = pytest.mark.slow

TARGET = "//kernel:runtime"
ARCHIVE = "bfout/any-any-clang/kernel/runtime/libruntime.a"
MODULE = "//modules/sum"  # 5 actions: the build the server leaves in the middle
BLOB = "bfout/i686-any-clang/modules/sum/sum/sum.mod"


@pytest.fixture
def cache_server(tmp_path):
    """A fresh nginx for one test (the hostile-entry cases of test_hostile_inputs.py)."""
    server = Nginx(tmp_path / "nginx")
    yield server.url, server.root
    server.stop()


@pytest.fixture(scope="module", params=sorted(SERVERS))
def filled(request, tmp_path_factory):
    """A server filled by a build without any cache (it compiled everything): the server, and
    that build's archive, the reference every later build must equal byte for byte."""
    base = tmp_path_factory.mktemp(request.param)
    server = SERVERS[request.param](base / "server")
    first = copy_workspace(base / "first")
    _build(first, server, targets=(TARGET, MODULE))
    assert len(_compiles(first)) > 30 and not any(r["cache"] for r in first.executed())
    yield server, base, first.path(ARCHIVE).read_bytes()
    server.stop()


def _build(workspace, server, *extra, targets=(TARGET,), check=0):
    return workspace.bfbuild("build", *targets, "--no-cache", "--remote-cache", server.url,
                             *server.options, *extra, check=check)


def _engine_group(pid):
    """The process group of the engine bfbuild `pid` started (a session of its own)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        if children:
            return int(children[0])
    return None


def _compiles(workspace):
    return [r for r in workspace.executed() if r["mnemonic"] == "CC" and not r.get("cache")]


def test_a_clean_clone_compiles_nothing_and_is_byte_identical(filled, tmp_path):
    server, _, reference = filled
    clone = copy_workspace(tmp_path / "clone")
    proc = _build(clone, server)
    assert _compiles(clone) == [] and "0 action(s) run" in proc.stdout
    assert {r["cache"] for r in clone.executed()} == {"remote"}
    assert clone.path(ARCHIVE).read_bytes() == reference
    assert "remote cache:" not in proc.stdout


def test_read_only_mode_writes_nothing(filled, tmp_path):
    server, _, _ = filled
    stored = server.files()
    untrusted = copy_workspace(tmp_path / "untrusted")
    untrusted.append("kernel/runtime/string.c", "\nint bf_ro_probe(void);\nint bf_ro_probe(void) { return 5; }\n")
    _build(untrusted, server, "--remote-cache-readonly")
    assert [os.path.basename(r["outputs"][0]) for r in _compiles(untrusted)] == ["string.o"]
    assert server.files() == stored


def test_corrupted_and_missing_blobs_are_detected_and_rebuilt(filled, tmp_path):
    server, base, reference = filled
    blobs = server.blobs()
    first = base / "first"
    corrupted = _digest(first / ARCHIVE)
    blobs[corrupted].write_bytes(bytes(b ^ 0xFF for b in reference))  # same size, other bytes
    missing_output = "bfout/any-any-clang/kernel/runtime_c/runtime/string.o"
    missing = _digest(first / missing_output)
    blobs[missing].unlink()
    clone = copy_workspace(tmp_path / "clone")
    proc = _build(clone, server)
    assert "cache: discarded the entry of AR //kernel:runtime" in proc.stdout, proc.stdout
    assert f"a corrupted remote blob for {ARCHIVE}" in proc.stdout
    ran = sorted(r["outputs"][0] for r in clone.executed() if not r["cache"])
    assert ran == [ARCHIVE, missing_output]  # the rest came from the server
    assert clone.path(ARCHIVE).read_bytes() == reference
    assert "Traceback" not in proc.stdout + proc.stderr


def test_an_uploaded_action_result_reads_back_with_buildgrid_s_own_client(filled, monkeypatch):
    from buildgrid._protos.build.bazel.remote.execution.v2 import remote_execution_pb2

    from bfbuild.engine.reapi.keys import action_messages

    server, base, reference = filled
    first = base / "first"
    graph = json.loads((first / "bfout/.bfbuild/graph.json").read_text())
    spec = next(a for a in graph["actions"] if a["mnemonic"] == "AR")
    monkeypatch.chdir(first)  # action paths are relative to the workspace
    digest, messages = action_messages(spec)
    if isinstance(server, BuildGrid):
        result = server.action_result(digest)  # `bgd actioncache get HASH/SIZE --json`
        files = [(f["path"], f["digest"]["hash"], int(f["digest"]["sizeBytes"]))
                 for f in result["outputFiles"]]
    else:
        with urllib.request.urlopen(f"{server.url}/ac/{digest[0]}", timeout=10) as answer:
            decoded = remote_execution_pb2.ActionResult.FromString(answer.read())
        files = [(f.path, f.digest.hash, f.digest.size_bytes) for f in decoded.output_files]
    assert files == [(ARCHIVE, _digest(first / ARCHIVE), len(reference))]
    # The Action and its Command are in the CAS too, and say what the entry is for.
    action = remote_execution_pb2.Action.FromString(messages[digest])
    command = remote_execution_pb2.Command.FromString(
        server.blobs()[action.command_digest.hash].read_bytes())
    assert command.arguments[0].endswith("llvm-ar") and list(command.output_paths) == [ARCHIVE]
    assert action.input_root_digest.size_bytes > 0


def test_large_blobs_go_through_bytestream(filled):
    from bfbuild.engine.cache_remote import open_remote

    server, _, _ = filled
    store = open_remote(server.url, (("x-bfbuild-test", "1"),), *server.options[1:])
    if isinstance(server, BuildGrid):
        store._ready()
        store._batch = 4096  # so that a 100 KiB blob is over the batch limit
    data = os.urandom(100 << 10)
    digest = (hashlib.sha256(data).hexdigest(), len(data))
    store.put_blobs({digest: data})
    assert store.get_blobs([digest, ("0" * 64, 5)]) == {digest[0]: data}
    assert not store.broken
    if isinstance(server, BuildGrid):
        assert store.calls["bytestream_write"] == store.calls["bytestream_read"] == 1
        assert "update" not in store.calls


def test_the_server_going_away_mid_build_does_not_fail_it(filled, tmp_path):
    server, base, _ = filled
    clone = copy_workspace(tmp_path / "clone")
    # Two of the five actions miss (a comment edit: same objects, new keys) and compile, so a
    # compile always follows the first action to finish: the engine is still there to hold.
    for source in ("modules/sum/sum.c", "modules/common/modlib.c"):
        clone.append(source, "\n/* edited */\n")
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(tmp_path / "clone-cache")}
    build = subprocess.Popen([sys.executable, "-m", "bfbuild", "build", MODULE, "--no-cache",
                              "-j", "1", "--remote-cache", server.url, *server.options],
                             cwd=clone.root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    record = clone.path("bfout/.bfbuild/last_build.jsonl")
    deadline = time.time() + 120
    while time.time() < deadline and not (record.exists() and record.read_text().strip()):
        time.sleep(0.01)
    # The engine is held while the server dies, so that the death falls in the build's middle.
    engine = _engine_group(build.pid)
    assert engine, "the build ended before the server could be stopped"
    os.killpg(engine, signal.SIGSTOP)
    server.kill()
    os.killpg(engine, signal.SIGCONT)
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0, out + err
    notices = [line for line in out.splitlines() if line.startswith("remote cache:")]
    assert len(notices) == 1 and notices[0].endswith("going on without it"), out
    # The last action (its inputs unchanged: its entry is on the server) was built here.
    assert [r["cache"] for r in clone.executed()][-1] is None
    assert clone.path(BLOB).read_bytes() == (base / "first" / BLOB).read_bytes()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()
