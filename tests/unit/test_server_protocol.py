"""The build server's protocol, the client's choices and the server's fingerprint, without a
server (tests/integration/test_server.py runs real ones)."""
import importlib
import os
import socket
import sys

import pytest

from bfbuild import client, rundir
from bfbuild.loading.workspace import find_root
from bfbuild.server import protocol
from bfbuild.server.fingerprint import Fingerprint


def test_a_request_survives_the_wire_with_odd_arguments_and_environment():
    request = protocol.Request("id\nline", "/w s/ünï", 0o027,
                               ["build", "//a:b", "--", "x=y", "", "sp ace"],
                               {"A": "1=2", "EMPTY": "", "U": "ü\u00e9", "BAD": "\udcff"})
    body = request.encode()[4:]
    back = protocol.Request.decode(body)
    assert (back.identity, back.cwd, back.umask, back.argv, back.env) == (
        request.identity, request.cwd, request.umask, request.argv, request.env)


def test_a_request_arrives_with_the_clients_three_descriptors(tmp_path):
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    files = [open(tmp_path / name, "w+b") for name in ("in", "out", "err")]
    request = protocol.Request(protocol.identity(), str(tmp_path), 0o22, ["build", ":x"],
                               {"PATH": "/bin", "BIG": "x" * 200000})
    sender = os.fork()
    if sender == 0:  # a large request needs more than one send: write it from another process
        protocol.send_request(left, request, [f.fileno() for f in files])
        os._exit(0)
    received, fds = protocol.receive_request(right)
    os.waitpid(sender, 0)
    assert received.argv == ["build", ":x"] and len(received.env["BIG"]) == 200000
    os.write(fds[1], b"through the passed descriptor")
    files[1].seek(0)
    assert files[1].read() == b"through the passed descriptor"
    for fd in fds:
        os.close(fd)


def test_a_request_without_descriptors_is_refused():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    left.sendall(protocol.Request("i", "/", 0, [], {}).encode())
    with pytest.raises(protocol.ProtocolError):
        protocol.receive_request(right)


def test_lines_are_read_one_at_a_time_and_the_end_is_none():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    protocol.send_line(left, "accepted", 12)
    protocol.send_line(left, "exit", 3)
    left.close()
    reader = protocol.LineReader(right)
    assert [reader.next(), reader.next(), reader.next()] == [("accepted", "12"), ("exit", "3"), None]


@pytest.mark.parametrize("argv, env, expected", [
    (["build", "//a"], {}, (["build", "//a"], True)),  # on by default
    (["build", "//a"], {"BFBUILD_SERVER": "1"}, (["build", "//a"], True)),
    (["build", "--no-server", "//a"], {"BFBUILD_SERVER": "1"}, (["build", "//a"], False)),
    (["run", "//a", "--", "--no-server"], {"BFBUILD_SERVER": "1"},
     (["run", "//a", "--", "--no-server"], True)),  # after --, it is QEMU's
    (["build", "//a"], {"BFBUILD_SERVER": "0"}, (["build", "//a"], False)),
    (["build", "//a"], {"BFBUILD_SERVER": "off"}, (["build", "//a"], False)),
    (["shutdown"], {"BFBUILD_SERVER": "1"}, (["shutdown"], False)),
    ([], {"BFBUILD_SERVER": "1"}, ([], False)),
])
def test_when_the_client_uses_the_server(argv, env, expected):
    assert client.server_wanted(argv, env) == expected


def test_the_client_finds_the_workspace_the_loader_finds(tmp_path):
    (tmp_path / "BUILD.yaml").write_text("workspace: outer\n")
    inner = tmp_path / "pkg" / "deep"
    inner.mkdir(parents=True)
    (tmp_path / "pkg" / "BUILD.yaml").write_text("workspace:\n  rule: filegroup\n")  # a target
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "BUILD.yaml").write_text("workspace: nested\n")
    for start in (inner, tmp_path / "pkg", nested, tmp_path):
        assert client.find_root(str(start)) == str(find_root(start))


def test_the_server_folder_is_private_and_short(tmp_path, monkeypatch):
    monkeypatch.setenv("BFBUILD_SERVER_DIR", str(tmp_path / "servers"))
    folder = rundir.ensure_private(rundir.server_dir("/a" + "/very long folder" * 20))
    # Named by a digest: its length does not grow with the workspace's path.
    assert folder == os.path.join(tmp_path, "servers", os.path.basename(folder))
    assert len(os.path.basename(folder)) == 16
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    os.chmod(folder, 0o777)
    with pytest.raises(rundir.UnsafeRunDir):
        rundir.ensure_private(folder)


def test_the_fingerprint_sees_a_changed_module_and_a_new_package(tmp_path, monkeypatch):
    (tmp_path / "warm_module_for_test.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("warm_module_for_test")
    try:
        fingerprint = Fingerprint()
        assert fingerprint.changed() is None
        (tmp_path / "new_package_for_test").mkdir()
        assert "packages in" in fingerprint.changed()
        (tmp_path / "new_package_for_test").rmdir()
        assert fingerprint.changed() is None
        (tmp_path / "warm_module_for_test.py").write_text("VALUE = 22\n")
        assert "warm_module_for_test.py changed" in fingerprint.changed()
    finally:
        sys.modules.pop("warm_module_for_test", None)


def test_the_runner_starts_its_engine_through_the_launcher_it_was_given(tmp_path, monkeypatch):
    from bfbuild.engine import runner
    from bfbuild.server import warm_engine

    calls = []

    class Launched:
        pid, returncode = 0, 3

        def __init__(self, argv, **options):
            calls.append((argv, sorted(options)))

        def communicate(self):
            return None, b"engine said\n"

    monkeypatch.setattr(runner, "_launch_engine", runner._launch_engine)  # restored afterwards
    warm_engine.install(runner)
    assert runner._launch_engine is warm_engine.ForkedEngine
    runner.use_engine_launcher(Launched)
    done = runner._run_supervised(["python", "-m", "SCons", "-f", "x"], tmp_path, {})
    assert (done.returncode, done.stderr) == (3, b"engine said\n")
    assert calls == [(["python", "-m", "SCons", "-f", "x"],
                      ["cwd", "env", "pass_fds", "start_new_session", "stderr"])]
