"""Build //images:tinyllama with the real toolchain and boot it in QEMU."""
import re

import pytest

pytestmark = pytest.mark.slow


def test_run_tinyllama_prints_the_banner_from_the_serial_port(workspace):
    proc = workspace.bfbuild("run", "//images:tinyllama", "--timeout", "60", check=0)
    lines = proc.stdout.splitlines()
    assert "BareFlow tinyllama: cpu=i686 toolchain=clang" in lines
    assert any(line.startswith("stage2: loading ") for line in lines)
    assert "tinyllama: ok" in lines
    assert "success (exit status 33)" in proc.stdout


def test_boot_tests_pass_then_are_cached(workspace):
    first = workspace.bfbuild("test", "//...", check=0)
    tests = workspace.bfbuild("query", "kind(boot-test, //...)", check=0).stdout.split()
    assert {"//images:tinyllama_boot_test", "//images:tinyllama_embedded_test",
            "//images:fat_qemu32_test", "//images:tinyllama_llama_test"} <= set(tests)
    for test in tests:
        assert re.search(rf"PASSED           {test} \(i686-(any|off)-clang\)", first.stdout), test
    assert f"{len(tests)} passed, 0 failed" in first.stdout
    assert [r["mnemonic"] for r in workspace.executed()].count("TEST") == len(tests)

    second = workspace.bfbuild("test", "//...", check=0)
    assert "PASSED (cached)" in second.stdout
    assert workspace.executed() == []

    rerun = workspace.bfbuild("test", "//images:tinyllama_boot_test", "--rerun", check=0)
    assert [r["mnemonic"] for r in workspace.executed()] == ["TEST"]
    assert "1 passed, 0 failed" in rerun.stdout


def test_a_failing_boot_test_exits_1_and_shows_the_lines_around_the_miss(workspace):
    workspace.edit("targets/images.yaml", "    - '^tinyllama: ok'", "    - '^this line never appears'")
    proc = workspace.bfbuild("test", "//images:tinyllama_boot_test", check=1)
    assert "exited with the success status 33, but:" in proc.stdout
    assert "expected a line matching '^this line never appears'" in proc.stdout
    # The last line that matched an expectation and those after it, numbered; not the JSON tail.
    assert re.search(r"^ +\d+ \| timer: \d+ ticks at 1000 Hz$", proc.stdout, re.M), proc.stdout[-3000:]
    assert not re.search(r"^ +\d+ \| \{\"name\"", proc.stdout, re.M)
    assert "0 passed, 1 failed" in proc.stdout


def test_a_kernel_panic_fails_its_boot_test_with_the_panic_status(workspace):
    workspace.edit("apps/tinyllama/main.c", 'kputs("tinyllama: ok\\n");',
                   'panic("deliberate test panic %d", 7);')
    proc = workspace.bfbuild("test", "//images:tinyllama_boot_test", check=1)
    assert "kernel panic (exit status 35)" in proc.stdout
    assert "PANIC: deliberate test panic 7" in proc.stdout


def test_a_cpu_exception_prints_vector_and_eip_and_exits_with_a_code_of_its_own(workspace):
    workspace.edit("apps/tinyllama/main.c", 'kputs("tinyllama: ok\\n");',
                   '__asm__ __volatile__("ud2");')
    proc = workspace.bfbuild("test", "//images:tinyllama_boot_test", check=1)
    assert "CPU exception 6 (exit status 77)" in proc.stdout
    assert re.search(r"EXCEPTION 6 \(invalid opcode\) at EIP=0x[0-9a-f]{8}", proc.stdout, re.I), proc.stdout[-2000:]


def test_a_kernel_larger_than_stage2_can_load_is_refused_naming_both_sizes(workspace):
    workspace.path("apps/tinyllama/pad.c").write_text(
        "/* 460 KiB of initialised data: more than stage 2 loads. */\n"
        "const char bf_pad[460 * 1024] = {1};\n")
    workspace.edit("apps/tinyllama/BUILD.yaml", "    - main.c\n    - :registry", "    - main.c\n    - pad.c\n    - :registry")
    proc = workspace.bfbuild("build", "//images:tinyllama", check=1)
    assert "kernel too large" in proc.stdout
    assert "stage 2 loads at most 896 sectors" in proc.stdout
    size = re.search(r"kernel too large: \S+ is (\d+) bytes \((\d+) sectors\)", proc.stdout)
    assert size, proc.stdout
    assert int(size[1]) > 460 * 1024 and int(size[2]) == -(-int(size[1]) // 512) > 896
    assert not workspace.path("bfout/i686-off-clang/images/tinyllama/tinyllama.img").exists()
