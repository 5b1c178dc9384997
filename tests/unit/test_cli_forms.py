"""The command line's short forms: `bfbuild LABEL` runs it, `--version`, and labels relative to
the package of the current folder (as in Bazel)."""
import pytest

import bfbuild
import bfbuild_unikernel.qemu.boot as qemu
from tests.unit.test_gdb import FILES


@pytest.fixture
def booted(make_workspace, monkeypatch):
    root = make_workspace(FILES, base=False)
    seen = {}

    def fake_boot(argv, timeout, on_line=None):
        seen["argv"] = list(argv)
        return qemu.BootResult(status=qemu.SUCCESS_STATUS, timed_out=False)

    monkeypatch.setattr(qemu, "boot", fake_boot)
    return root, seen


def test_a_label_without_a_command_builds_and_boots_it(booted, run_cli):
    root, seen = booted
    rc, out, err = run_cli(root, "//images:os")
    assert rc == 0, err
    assert "bfbuild: booting bfout/os.img" in out
    assert "//images:os: success (exit status 33)" in out
    assert seen["argv"][0].endswith("true")  # the stand-in for qemu-system-i386


def test_version(run_cli, tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        run_cli(tmp_path, "--version")
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"bfbuild {bfbuild.__version__}"


def test_labels_are_relative_to_the_current_package(booted, run_cli):
    root, seen = booted
    (root / "images").mkdir()
    rc, out, err = run_cli(root / "images", "query", "deps(//images:os)")
    assert rc == 0, err
    rc, out, err = run_cli(root / "images", "build", ":os")
    assert rc == 0, err
    assert "bfbuild: 1 target(s)" in out
    rc, out, err = run_cli(root / "images", "build", ":nope")
    assert rc == 2 and "no target 'nope' in package //images" in err
    rc, out, err = run_cli(root / "images", ":os")
    assert rc == 0, err
    assert "//images:os: success" in out
