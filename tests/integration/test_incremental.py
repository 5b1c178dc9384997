"""Rebuilds are correct and minimal: what re-runs after each kind of edit, counted from the
engine's record of executed actions."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import yaml

from tests.integration.conftest import REPO, copy_workspace

pytestmark = pytest.mark.slow

IMAGE = "bfout/i686-off-clang/images/tinyllama/tinyllama.img"
RUNTIME_SOURCES = [Path(src).stem for src in
                   yaml.safe_load((REPO / "kernel/BUILD.yaml").read_text())["runtime_c"]["srcs"]]


def compiled(workspace):
    """Basenames of the C sources compiled by the last build."""
    return sorted(Path(r["outputs"][0]).stem for r in workspace.executed() if r["mnemonic"] == "CC")


def mnemonics(workspace):
    return sorted(r["mnemonic"] for r in workspace.executed())


def test_second_build_runs_nothing(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert "CC" in mnemonics(workspace)
    proc = workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert workspace.executed() == []
    assert "nothing changed since the last identical command" in proc.stdout
    # Without the no-op record the engine decides, and runs nothing either.
    proc = workspace.bfbuild("build", "//images:tinyllama", "-j2", check=0)
    assert workspace.executed() == []
    assert "0 action(s) run, 0 from cache" in proc.stdout


def test_editing_one_c_file_recompiles_it_and_relinks(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    workspace.append("kernel/runtime/string.c",
                     "\nint bf_edit_probe(int x);\nint bf_edit_probe(int x) { return x * 3 + 1; }\n")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert compiled(workspace) == ["string"]
    assert mnemonics(workspace) == ["AR", "CC", "IMAGE", "LINK", "OBJCOPY"]


def _includers(root: Path, header: str):
    """C files that include `header` directly or through other headers (an independent oracle
    to the compiler's depfiles)."""
    include = re.compile(r'#\s*include\s*[<"]([^>"]+)[>"]')
    files = list((root / "kernel").rglob("*.[ch]")) + list((root / "apps").rglob("*.[ch]"))
    includes = {f: set(include.findall(f.read_text())) for f in files}
    reaching = {header}
    changed = True
    while changed:
        changed = False
        for f, names in includes.items():
            name = str(f.relative_to(root / "kernel/include")) if "include" in f.parts else None
            if name and name not in reaching and names & reaching:
                reaching.add(name)
                changed = True
    return sorted(f.stem for f, names in includes.items() if f.suffix == ".c" and names & reaching)


def test_editing_a_header_recompiles_exactly_its_includers(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    expected = _includers(workspace.root, "bf/io.h")
    assert 0 < len(expected) < len(RUNTIME_SOURCES) + 1, expected
    workspace.append("kernel/include/bf/io.h", "\n#define BF_IO_EDIT_PROBE 1\n")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert compiled(workspace) == expected


def test_changing_a_flag_in_yaml_reruns_the_affected_compiles_only(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    workspace.edit("kernel/BUILD.yaml", "  includes: [include]\n", "  includes: [include]\n  opt: O1\n")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert compiled(workspace) == sorted(RUNTIME_SOURCES)
    workspace.edit("apps/tinyllama/BUILD.yaml", "    - :registry\n  deps: [//kernel:runtime]\n",
                   "    - :registry\n  deps: [//kernel:runtime]\n  copts: [-fno-inline]\n")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert compiled(workspace) == ["main", "registry"]


def test_a_cpu_matrix_shares_the_actions_that_ignore_the_cpu(workspace):
    proc = workspace.bfbuild("build", "//images:tinyllama", "--cpu", "i686,haswell", check=0)
    records = workspace.executed()
    per_config = {}
    for record in records:
        per_config.setdefault(record["config"].split("-")[0], []).append(record)
    # The boot loader and the runtime library (built for the baseline CPU) run once...
    shared = per_config.pop("any")
    # stage1, stage2, entry, isr and the SMP trampoline
    assert sorted(r["mnemonic"] for r in shared if r["mnemonic"] == "NASM") == ["NASM"] * 5
    runtime = [Path(r["outputs"][0]).stem for r in shared if r["mnemonic"] == "CC"]
    assert sorted(runtime) == sorted(RUNTIME_SOURCES)
    # ...the code built for a CPU once per CPU, in the same numbers.
    assert sorted(per_config) == ["haswell", "i686"]
    assert len(per_config["haswell"]) == len(per_config["i686"]) > 20
    assert f", {len(shared)} shared between configurations" in proc.stdout
    assert workspace.path(IMAGE).exists()
    assert workspace.path("bfout/haswell-off-clang/images/tinyllama/tinyllama.img").exists()
    assert workspace.path("bfout/any-any-any/kernel/stage1/stage1.bin").exists()


def test_builds_in_two_directories_give_identical_images(tmp_path):
    first, second = copy_workspace(tmp_path / "a"), copy_workspace(tmp_path / "b" / "deeper")
    first.bfbuild("build", "//images:tinyllama", check=0)
    second.bfbuild("build", "//images:tinyllama", check=0)
    assert first.path(IMAGE).read_bytes() == second.path(IMAGE).read_bytes()
    for output in ("bfout/i686-off-clang/apps/tinyllama/kernel/kernel.elf",
                   "bfout/i686-off-clang/apps/tinyllama/data_disk/data_disk.img"):
        assert first.path(output).read_bytes() == second.path(output).read_bytes(), output


def test_a_killed_build_then_a_rebuild_gives_the_clean_build_bytes(tmp_path):
    reference = copy_workspace(tmp_path / "reference")
    reference.bfbuild("build", "//images:tinyllama", check=0)
    expected = reference.path(IMAGE).read_bytes()
    victim = copy_workspace(tmp_path / "victim")
    for delay in (0.35, 0.6, 0.9):
        subprocess.run([sys.executable, "-m", "bfbuild", "clean"], cwd=victim.root, check=True,
                       capture_output=True)
        proc = subprocess.Popen([sys.executable, "-m", "bfbuild", "build", "//images:tinyllama",
                                 "-j1"], cwd=victim.root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        victim.bfbuild("build", "//images:tinyllama", check=0)
        assert victim.path(IMAGE).read_bytes() == expected


def _settle():
    """Let the racy window pass: files written within it are never trusted by the no-op check."""
    from bfbuild.stat_record import RACY_SECONDS
    time.sleep(RACY_SECONDS + 0.2)


def test_a_repeated_build_is_answered_without_the_engine_and_any_change_falls_back(workspace):
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    # Right after the build its outputs are "racy" (as new as the record): compared by content.
    fast = workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert "nothing changed since the last identical command" in fast.stdout
    assert "//images:tinyllama (i686-off-clang): bfout/i686-off-clang/images/tinyllama/tinyllama.img" in fast.stdout
    # A touched file with the same content: the engine decides, by content, that nothing runs.
    os.utime(workspace.path("kernel/runtime/vga.c"))
    touched = workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert "engine not started" not in touched.stdout and workspace.executed() == []
    # A real edit right after a record was written (the racy window) is never missed.
    workspace.append("kernel/runtime/vga.c", "\nint bf_noop_probe(void);\nint bf_noop_probe(void) { return 7; }\n")
    edited = workspace.bfbuild("build", "//images:tinyllama", check=0)
    assert "engine not started" not in edited.stdout
    assert compiled(workspace) == ["vga"]
    # A new package (a new BUILD.yaml) is noticed through the folder listing.
    _settle()
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    _settle()
    assert "engine not started" in workspace.bfbuild("build", "//images:tinyllama", check=0).stdout
    workspace.path("apps/extra").mkdir()
    workspace.path("apps/extra/BUILD.yaml").write_text("broken: [\n")
    broken = workspace.bfbuild("build", "//images:tinyllama", check=2)
    assert "apps/extra/BUILD.yaml:" in broken.stderr
