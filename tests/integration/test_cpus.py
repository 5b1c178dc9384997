"""The CPU matrix: a kernel built for a CPU boots under that CPU's QEMU model, and stops cleanly,
naming what is missing, under an older one."""
import pytest

from bfbuild.qemu import CPU_UNSUPPORTED_STATUS, SUCCESS_STATUS, boot, qemu_argv

pytestmark = pytest.mark.slow


def test_haswell_boot_tests_pass_under_the_haswell_model(workspace):
    proc = workspace.bfbuild("test", "//images:tinyllama_boot_test", "--cpu", "haswell", check=0)
    assert "PASSED           //images:tinyllama_boot_test (haswell-any-clang)" in proc.stdout
    log = workspace.path("bfout/testlogs/haswell-any-clang/images/tinyllama_boot_test.log").read_text()
    assert "BareFlow tinyllama: cpu=haswell toolchain=clang" in log
    assert "avx2" in next(l for l in log.splitlines() if l.startswith("cpu: usable features:"))


def test_a_haswell_kernel_on_a_qemu32_cpu_stops_naming_the_missing_features(workspace):
    workspace.bfbuild("build", "//images:tinyllama", "--cpu", "haswell", check=0)
    image = workspace.path("bfout/haswell-any-clang/images/tinyllama/tinyllama.img")
    result = boot(qemu_argv("qemu-system-i386", str(image), "qemu32"), timeout=60)
    assert result.status == CPU_UNSUPPORTED_STATUS, result.describe()
    missing = next(l for l in result.lines if l.startswith("cpu: MISSING FEATURES: "))
    assert {"avx", "avx2", "fma", "sse4.2"} <= set(missing.split(": ", 1)[1].split())
    assert not any(l.startswith("EXCEPTION") for l in result.lines)
    assert not any(l.startswith("RESULT") for l in result.lines)  # nothing built for haswell ran
    # The same image is fine on the CPU it was built for.
    good = boot(qemu_argv("qemu-system-i386", str(image), "Haswell"), timeout=60)
    assert good.status == SUCCESS_STATUS, good.describe()
