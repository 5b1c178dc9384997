"""`bfbuild run --gdb`: QEMU halted with a gdb server (-s -S) and the gdb command file. The boot
itself is replaced by a recorder: what matters is the command line and the file."""
import pytest

import bfbuild_unikernel.qemu.boot as qemu
from bfbuild_unikernel.qemu import gdb

# An image rule with no actions: `run` then needs no toolchain and no engine.
IMAGE_RULE = '''
import bfbuild
from bfbuild.analysis.providers import DefaultInfo
from bfbuild_unikernel.providers import ImageInfo
from bfbuild.loading.rules import Rule


def _image(ctx):
    return [DefaultInfo(()), ImageInfo(image="bfout/os.img", kernel_elf="bfout/k/kernel.elf",
                                       qemu_system="qemu-system-i386")]


@bfbuild.hookimpl
def bfbuild_register_rules():
    return [Rule("fake-image", {}, _image, axes=frozenset({"cpu"}))]
'''

FILES = {
    "BUILD.yaml": 'workspace: t\nplugins: [image.py]\ndefaults: {toolchain: clang, cpu: a, pgo: "off"}\n',
    "image.py": IMAGE_RULE,
    "toolchains/host.yaml": "kind: host\nprograms:\n  qemu-system-i386: ['true']\n",
    "targets/cpus.yaml": "a:\n  rule: cpu\n  cflags: [-march=i686]\n  qemu_cpu: pentium3\n",
    "targets/images.yaml": "os:\n  rule: fake-image\n",
}


@pytest.fixture
def booted(make_workspace, monkeypatch):
    """Run the CLI with QEMU replaced; returns (root, run) where run(*argv) -> (rc, out, argv)."""
    root = make_workspace(FILES, base=False)
    seen = {}

    def fake_boot(argv, timeout, on_line=None):
        seen["argv"], seen["timeout"] = list(argv), timeout
        return qemu.BootResult(status=qemu.SUCCESS_STATUS, timed_out=False)

    monkeypatch.setattr(qemu, "boot", fake_boot)
    return root, seen


def test_qemu_waits_for_gdb_and_the_command_file_names_the_kernel_elf(booted, run_cli):
    root, seen = booted
    rc, out, err = run_cli(root, "run", "--gdb", "//images:os")
    assert rc == 0, err
    argv = seen["argv"]
    assert argv[-2:] == ["-s", "-S"]
    assert argv[argv.index("-cpu") + 1] == "pentium3"
    assert f"file={root}/bfout/os.img,format=raw" in " ".join(argv)
    script = root / "bfout/gdb/os.gdb"
    commands = [l for l in script.read_text().splitlines() if not l.startswith("#")]
    assert commands == [f"file {root}/bfout/k/kernel.elf", "target remote :1234", "break kmain"]
    assert f"#     gdb -x {script}" in script.read_text()
    assert "tcp::1234" in out and "gdb -x bfout/gdb/os.gdb" in out


def test_extra_qemu_arguments_come_before_the_gdb_flags(booted, run_cli):
    root, seen = booted
    rc, _, err = run_cli(root, "run", "--gdb", "//images:os", "--", "-smp", "2")
    assert rc == 0, err
    assert seen["argv"][-4:] == ["-smp", "2", "-s", "-S"]


def test_without_gdb_nothing_changes(booted, run_cli):
    root, seen = booted
    rc, _, err = run_cli(root, "run", "//images:os")
    assert rc == 0, err
    assert "-S" not in seen["argv"] and not (root / "bfout/gdb").exists()


def test_command_file_text():
    text = gdb.command_file_text("/w/bfout/k/kernel.elf", "/w/bfout/gdb/os.gdb")
    assert text.splitlines()[-3:] == ["file /w/bfout/k/kernel.elf", "target remote :1234",
                                      "break kmain"]
    assert gdb.with_gdb_server(["qemu", "-m", "64M"]) == ["qemu", "-m", "64M", "-s", "-S"]
