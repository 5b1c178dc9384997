"""The kernel's exit codes (kernel/include/bf/exit.h) and how bfbuild reads QEMU's exit status."""
import re
from pathlib import Path

import pytest

import bfbuild_unikernel.qemu.boot as qemu
from bfbuild_unikernel.rules.boot_test import check_serial

EXIT_H = Path(__file__).resolve().parents[2] / "kernel" / "include" / "bf" / "exit.h"


def header_defines():
    defines = {}
    for line in EXIT_H.read_text().splitlines():
        match = re.match(r"\s*#\s*define\s+(BF_EXIT_\w+)\s+(0[xX][0-9a-fA-F]+|\d+)\b", line)
        if match:
            defines[match.group(1)] = int(match.group(2), 0)
    return defines


def test_header_defines_the_three_constants():
    assert set(header_defines()) >= {"BF_EXIT_SUCCESS", "BF_EXIT_PANIC", "BF_EXIT_PORT"}


def test_success_status_matches_the_header():
    success = header_defines()["BF_EXIT_SUCCESS"]
    assert qemu.SUCCESS_STATUS == (success << 1) | 1


def test_panic_status_matches_the_header():
    panic = header_defines()["BF_EXIT_PANIC"]
    assert qemu.PANIC_STATUS == (panic << 1) | 1


def test_modules_failed_and_exception_base_match_the_header():
    defines = header_defines()
    assert qemu.MODULES_FAILED_STATUS == (defines["BF_EXIT_MODULES_FAILED"] << 1) | 1
    assert qemu.EXCEPTION_BASE == defines["BF_EXIT_EXCEPTION_BASE"]


def test_port_matches_the_header():
    assert qemu.DEBUG_EXIT_PORT == header_defines()["BF_EXIT_PORT"]


def test_statuses_are_distinct_and_never_zero_or_one():
    statuses = {qemu.SUCCESS_STATUS, qemu.PANIC_STATUS}
    assert len(statuses) == 2
    assert not statuses & {0, 1}


def test_qemu_argv_uses_the_debug_exit_port():
    argv = qemu.qemu_argv("qemu-system-i386", "disk.img", "pentium3", extra=["-smp", "1"])
    port = header_defines()["BF_EXIT_PORT"]
    assert f"isa-debug-exit,iobase={port:#x},iosize=0x04" in argv
    assert "-no-reboot" in argv
    assert argv[argv.index("-cpu") + 1] == "pentium3"
    assert argv[-2:] == ["-smp", "1"]
    drive = argv[argv.index("-drive") + 1]
    assert drive.startswith("file=disk.img,format=raw,if=ide,index=0")
    assert "-cpu" not in qemu.qemu_argv("q", "disk.img")


# -- describe_status --------------------------------------------------------------------------

def test_status_zero_is_a_triple_fault_not_success():
    text = qemu.describe_status(0)
    assert "triple fault" in text
    assert "success" not in text


def test_describe_success_and_panic():
    assert qemu.describe_status(qemu.SUCCESS_STATUS) == f"success (exit status {qemu.SUCCESS_STATUS})"
    assert qemu.describe_status(qemu.PANIC_STATUS).startswith("kernel panic")


def test_describe_other_kernel_code():
    assert qemu.describe_status((0x4A << 1) | 1) == "kernel exited with code 0x4a (exit status 149)"


def test_describe_cpu_exception_and_failed_modules():
    assert qemu.describe_status((0x20 + 6 << 1) | 1) == "CPU exception 6 (exit status 77)"
    assert qemu.describe_status((0x12 << 1) | 1).startswith("some modules were refused or failed")


@pytest.mark.parametrize("status", [1, 2, None, -9])
def test_describe_qemu_failure(status):
    assert qemu.describe_status(status) == f"QEMU failed (exit status {status})"


def test_describe_timeout_wins():
    assert qemu.describe_status(qemu.SUCCESS_STATUS, timed_out=True).startswith("timed out")


def test_boot_result_success_needs_the_success_status():
    assert qemu.BootResult(qemu.SUCCESS_STATUS, False).success
    assert not qemu.BootResult(0, False).success
    assert not qemu.BootResult(qemu.PANIC_STATUS, False).success
    assert not qemu.BootResult(qemu.SUCCESS_STATUS, True).success


# -- check_serial -----------------------------------------------------------------------------

LOG = ["BareFlow booting", "cpu: i686", "heap: 4096 KiB", "selftest: ok", "bye"]


def test_all_expectations_in_order():
    assert check_serial(LOG, ["booting", "cpu: i686", "selftest: ok"], []) == []


def test_expectation_missing():
    problems = check_serial(LOG, ["booting", "network up"], [])
    assert problems == ["expected a line matching 'network up' (after line 1)"]


def test_expectations_out_of_order_are_reported():
    problems = check_serial(LOG, ["selftest", "cpu:"], [])
    assert problems == ["expected a line matching 'cpu:' (after line 4)"]


def test_only_the_first_missing_expectation_is_reported():
    problems = check_serial(LOG, ["nope", "also nope"], [])
    assert problems == ["expected a line matching 'nope' (after line 0)"]


def test_each_expectation_consumes_its_line():
    assert check_serial(["ok", "ok"], ["ok", "ok"], []) == []
    assert check_serial(["ok"], ["ok", "ok"], []) == ["expected a line matching 'ok' (after line 1)"]


def test_expectations_are_regular_expressions():
    assert check_serial(LOG, [r"heap: \d+ KiB$"], []) == []
    assert check_serial(LOG, [r"^heap: \d+ MiB"], []) != []


def test_forbidden_patterns_are_reported_with_line_numbers():
    log = ["boot", "PANIC: out of memory", "retry", "PANIC: again"]
    problems = check_serial(log, [], ["PANIC", "ASSERT"])
    assert problems == ["line 2 matches forbidden 'PANIC': PANIC: out of memory",
                        "line 4 matches forbidden 'PANIC': PANIC: again"]


def test_missing_and_forbidden_together():
    problems = check_serial(["boot", "error: disk"], ["ready"], ["^error"])
    assert problems == ["expected a line matching 'ready' (after line 0)",
                        "line 2 matches forbidden '^error': error: disk"]


def test_empty_log():
    assert check_serial([], [], ["x"]) == []
    assert check_serial([], ["x"], []) == ["expected a line matching 'x' (after line 0)"]
