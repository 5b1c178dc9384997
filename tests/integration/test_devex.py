"""The day-to-day commands end to end, in copies of this workspace: the two guides of docs/ run
word for word, the bfbuild_boot fixture, and `bfbuild run --gdb` with a real gdb."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, registry_modules

pytestmark = pytest.mark.slow


def guide_commands(name: str):
    """The ```sh blocks of docs/<name>, in order (```text blocks show output and are skipped)."""
    return re.findall(r"```sh\n(.*?)```", (REPO / "docs" / name).read_text(), re.S)


def follow(workspace, tmp_path, name: str) -> str:
    """Run every command block of a guide in the workspace, as a reader would; returns the
    output. `bfbuild` and `python3` are this checkout's, whatever PATH holds."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for program, command in (("bfbuild", f'"{sys.executable}" -m bfbuild'),
                             ("python3", f'"{sys.executable}"')):
        (bin_dir / program).write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        (bin_dir / program).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "BFBUILD_CACHE_DIR": str(workspace.root.parent / "guide-cache")}
    env.pop("BFBUILD_REMOTE_CACHE", None)
    output = []
    for block in guide_commands(name):
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=workspace.root, env=env,
                              capture_output=True, text=True, timeout=900)
        output.append(proc.stdout)
        assert proc.returncode == 0, f"{name}: this block failed:\n{block}\n{proc.stdout}\n{proc.stderr}"
    return "".join(output)


def test_the_module_guide_word_for_word(workspace, tmp_path):
    assert len(guide_commands("add-a-module.md")) >= 4
    output = follow(workspace, tmp_path, "add-a-module.md")
    assert "created modules/blake/blake.c" in output
    assert "1 passed, 0 failed" in output  # the boot test, with the new module in its registry
    reference = subprocess.run([sys.executable, str(workspace.path("modules/blake/reference.py")),
                                "--work", "1"], capture_output=True, text=True, check=True)
    expect = json.loads(reference.stdout)["expect"]
    log = workspace.path("bfout/testlogs/i686-off-clang/images/tinyllama_boot_test.log").read_text()
    assert f"RESULT blake source=disk opt=O1 cpu=i686 | {expect}" in log.splitlines()
    assert f"RESULT blake source=disk opt=O1 cpu=i686 | {expect}" in output  # bfbuild run
    count = len(registry_modules()) + 1
    assert f"modules: {count} ran ({count} from the data disk, 0 embedded)" in log
    # The guide's last step redraws the README picture, so the project's picture test holds.
    assert "<title>//modules/blake:blake</title>" in workspace.path("docs/graph.svg").read_text()


def test_the_rule_guide_word_for_word(workspace, tmp_path):
    output = follow(workspace, tmp_path, "write-a-rule.md")
    assert "created rules/concat.py" in output
    assert "[1/1] CONCAT //notes:both (any-any-any)" in output
    assert "first\nsecond\n" in output
    assert re.search(r"^2 passed", output, re.M)  # the rule's generated tests
    rebuilt = workspace.bfbuild("build", "//notes:both", check=0)
    assert "nothing changed" in rebuilt.stdout or "0 action(s) run" in rebuilt.stdout


def test_the_bfbuild_boot_fixture(workspace, bfbuild_boot, monkeypatch):
    monkeypatch.setenv("BFBUILD_CACHE_DIR", str(workspace.root.parent / "fixture-cache"))
    result = bfbuild_boot("//images:tinyllama", timeout=120, root=workspace.root)
    assert result.success, result.describe() + "\n" + result.text[-2000:]
    assert result.status == 33 and "tinyllama: ok" in result.lines
    assert any(line.startswith("RESULT sum source=disk") for line in result.lines)
    without_disk = bfbuild_boot("//images:tinyllama", cpu="haswell", root=workspace.root,
                                data_disk=False, qemu_args=["-smp", "1"])
    assert without_disk.success and "data disk: none, using the embedded modules" in without_disk.lines
    assert without_disk.argv[without_disk.argv.index("-cpu") + 1] == "Haswell"
    assert without_disk.argv[-2:] == ["-smp", "1"]


def _listening(port: int) -> bool:
    """Whether something listens on the TCP port (read from /proc: no connection is made,
    which QEMU's single-client gdb server would take as the debugger)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        if any(row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A" for row in rows):
            return True
    return False


@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb is not installed")
def test_run_gdb_stops_at_kmain_then_boots(workspace):
    if _listening(1234):
        pytest.skip("port 1234 (QEMU's -s) is taken")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(workspace.root.parent / "ws-cache")}
    run = subprocess.Popen([sys.executable, "-m", "bfbuild", "run", "--gdb", "//images:tinyllama",
                            "--timeout", "120"], cwd=workspace.root, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while not _listening(1234):
            assert run.poll() is None and time.time() < deadline, "QEMU never opened tcp::1234"
            time.sleep(0.1)
        script = workspace.path("bfout/gdb/tinyllama.gdb")
        assert f"file {workspace.root}/bfout/i686-off-clang/apps/tinyllama/kernel/kernel.elf" in \
            script.read_text()
        debugger = subprocess.run(["gdb", "-nx", "-batch", "-x", str(script), "-ex", "continue",
                                   "-ex", "info registers eip", "-ex", "detach"],
                                  cwd=workspace.root, capture_output=True, text=True, timeout=60)
        assert "Breakpoint 1, " in debugger.stdout, debugger.stdout + debugger.stderr
        assert "<kmain+" in debugger.stdout
        output, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, output
    assert "gdb -x bfout/gdb/tinyllama.gdb" in output and "tinyllama: ok" in output
