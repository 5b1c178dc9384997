"""The CPU matrix: a kernel built for a CPU boots under that CPU's QEMU model, and stops cleanly,
naming what is missing, under an older one."""
import json

import pytest

from bfbuild_unikernel.qemu.boot import CPU_UNSUPPORTED_STATUS, SUCCESS_STATUS, boot, qemu_argv

pytestmark = pytest.mark.slow


def test_haswell_boot_tests_pass_under_the_haswell_model(workspace):
    proc = workspace.bfbuild("test", "//images:tinyllama_boot_test", "--cpu", "haswell", check=0)
    assert "PASSED           //images:tinyllama_boot_test (haswell-off-clang)" in proc.stdout
    log = workspace.path("bfout/testlogs/haswell-off-clang/images/tinyllama_boot_test.log").read_text()
    assert "BareFlow tinyllama: cpu=haswell toolchain=clang" in log
    assert "avx2" in next(l for l in log.splitlines() if l.startswith("cpu: usable features:"))


def test_a_haswell_kernel_on_a_qemu32_cpu_stops_naming_the_missing_features(workspace):
    workspace.bfbuild("build", "//images:tinyllama", "--cpu", "haswell", check=0)
    image = workspace.path("bfout/haswell-off-clang/images/tinyllama/tinyllama.img")
    result = boot(qemu_argv("qemu-system-i386", str(image), "qemu32"), timeout=60)
    assert result.status == CPU_UNSUPPORTED_STATUS, result.describe()
    missing = next(l for l in result.lines if l.startswith("cpu: MISSING FEATURES: "))
    assert {"avx", "avx2", "fma", "sse4.2"} <= set(missing.split(": ", 1)[1].split())
    assert not any(l.startswith("EXCEPTION") for l in result.lines)
    assert not any(l.startswith("RESULT") for l in result.lines)  # nothing built for haswell ran
    # The same image is fine on the CPU it was built for.
    good = boot(qemu_argv("qemu-system-i386", str(image), "Haswell"), timeout=60)
    assert good.status == SUCCESS_STATUS, good.describe()


def test_a_six_configuration_matrix_assembles_stage1_once(workspace):
    proc = workspace.bfbuild("build", "//images:tinyllama", "--cpu", "i686,core2,haswell",
                             "--toolchain", "clang,zig", check=0)
    assert "1 target(s) x 6 configuration(s)" in proc.stdout
    records = workspace.executed()
    stage1 = [r for r in records if r["owner"] == "//kernel:stage1"]
    assert [r["config"] for r in stage1] == ["any-any-any"]
    images = sorted(r["config"] for r in records if r["mnemonic"] == "IMAGE")
    assert images == ["core2-off-clang", "core2-off-zig", "haswell-off-clang", "haswell-off-zig",
                      "i686-off-clang", "i686-off-zig"]
    # The runtime library is built once per toolchain, not once per CPU.
    runtime_archives = sorted(r["config"] for r in records if r["owner"] == "//kernel:runtime")
    assert runtime_archives == ["any-any-clang", "any-any-zig"]


def test_the_zig_toolchain_builds_an_image_that_passes_its_boot_test(workspace):
    proc = workspace.bfbuild("test", "//images:tinyllama_boot_test", "--toolchain", "zig", check=0)
    assert "PASSED           //images:tinyllama_boot_test (i686-off-zig)" in proc.stdout
    log = workspace.path("bfout/testlogs/i686-off-zig/images/tinyllama_boot_test.log").read_text()
    assert "BareFlow tinyllama: cpu=i686 toolchain=zig" in log
    # The compiler identity is in the action keys: the zig objects were compiled by zig's clang.
    graph = json.loads(workspace.path("bfout/.bfbuild/graph.json").read_text())
    compiles = [a["argv"] for a in graph["actions"] if a["mnemonic"] == "CC"]
    assert compiles and all(argv[0].endswith("ziglang/zig") and argv[1] == "cc" for argv in compiles)
