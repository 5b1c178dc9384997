"""CPUs older than a build's configuration (docs/cpus.md): the bring-up and the CPU gate are built
for the 486, so on QEMU's 486 and Pentium models an i686 or haswell image stops cleanly at the
gate (status 39, naming what is missing) instead of faulting right after stage 2's jump."""
import re
import subprocess

import pytest

from bfbuild_unikernel.qemu.boot import CPU_UNSUPPORTED_STATUS, SUCCESS_STATUS, boot, qemu_argv

pytestmark = pytest.mark.slow

IMAGE = "bfout/{cpu}-off-clang/images/tinyllama/tinyllama.img"
DISK = "bfout/{cpu}-off-clang/apps/tinyllama/data_disk/data_disk.img"
HASWELL_NEEDS = "cmov mmx sse sse2 sse3 ssse3 sse4.1 sse4.2 popcnt avx avx2 fma bmi1 bmi2 f16c movbe"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.conftest import copy_workspace

    workspace = copy_workspace(tmp_path_factory.mktemp("old_cpus") / "ws")
    workspace.bfbuild("build", "//images:tinyllama", "--cpu", "i686,haswell", check=0)
    return workspace


def boot_on(workspace, cpu: str, model: str):
    image = workspace.path(IMAGE.format(cpu=cpu))
    disk = workspace.path(DISK.format(cpu=cpu))
    return boot(qemu_argv("qemu-system-i386", str(image), model, data_disk=str(disk)), timeout=120)


def assert_stopped_at_the_gate(result, built_for: str, missing: set):
    log = "\n".join(result.lines)
    assert result.status == CPU_UNSUPPORTED_STATUS, result.describe() + "\n" + log
    # Stage 2 ran to its jump on this CPU (the loader needs nothing newer than a 386).
    assert any(line.startswith("stage2: jumping to kernel entry") for line in result.lines), log
    needs = next(line for line in result.lines if line.startswith("cpu: this kernel is built for"))
    assert needs.startswith(f"cpu: this kernel is built for '{built_for}' and needs: "), log
    line = next(line for line in result.lines if line.startswith("cpu: MISSING FEATURES: "))
    assert set(line[len("cpu: MISSING FEATURES: "):].split()) == missing, line
    assert not any(line.startswith(("EXCEPTION", "PANIC", "BareFlow", "RESULT")) for line in result.lines), log


@pytest.mark.parametrize("model", ["486", "pentium"])
def test_an_i686_image_stops_at_the_gate_on_a_cpu_without_cmov(built, model):
    result = boot_on(built, "i686", model)
    assert_stopped_at_the_gate(result, "i686", {"cmov"})
    assert "cpu: this kernel is built for 'i686' and needs: cmov" in result.lines


@pytest.mark.parametrize("model", ["486", "pentium"])
def test_a_haswell_image_stops_at_the_gate_on_a_486_or_pentium(built, model):
    result = boot_on(built, "haswell", model)
    missing = set(HASWELL_NEEDS.split())
    if model == "pentium":
        missing.discard("mmx")  # QEMU's pentium is a Pentium MMX
    assert_stopped_at_the_gate(result, "haswell", missing)


@pytest.mark.parametrize("model", ["qemu32", "pentium2"])
def test_the_i686_image_still_runs_on_a_p6_or_newer(built, model):
    result = boot_on(built, "i686", model)
    assert result.status == SUCCESS_STATUS, result.describe() + "\n" + "\n".join(result.lines[-20:])
    assert "BareFlow tinyllama: cpu=i686 toolchain=clang" in result.lines
    assert "tinyllama: ok" in result.lines


def test_the_runtime_library_has_no_instruction_newer_than_the_486(built):
    """What the gate and bring-up run is built with -march=i486: no cmov, fcmov, fcomi/fucomi or
    long NOP (0F 1F) anywhere in the runtime archive, while the i686 application does use them."""
    newer = re.compile(r"\s(cmov\w*|fcmov\w*|fu?comip?|nop[lw])\b")
    archive = built.path("bfout/any-any-clang/kernel/runtime/libruntime.a")
    text = subprocess.run(["llvm-objdump", "-d", str(archive)], capture_output=True, text=True,
                          check=True).stdout
    assert "<bf_cpu_gate>:" in text and "<bf_runtime_init>:" in text and "<kvsnprintf>:" in text
    assert not newer.findall(text), sorted(set(newer.findall(text)))
    kernel = built.path("bfout/i686-off-clang/apps/tinyllama/kernel/kernel.elf")
    app = subprocess.run(["llvm-objdump", "-d", str(kernel)], capture_output=True, text=True,
                         check=True).stdout
    assert newer.findall(app), "the i686 application should use cmov (else the gate's 'cmov' is moot)"
