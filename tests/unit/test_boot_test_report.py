"""What a failed boot test says: the exit status neutrally when it was the success status,
expected and actual values by name, and the serial lines that matter rather than the tail."""
import json

from bfbuild.api import StepError
from bfbuild_unikernel.qemu.boot import PANIC_STATUS, SUCCESS_STATUS, BootResult
from bfbuild_unikernel.rules import boot_test

MODULES = [f"RESULT m{i} source=disk opt=O2 cpu=i686 | v={i}" for i in range(8)]
CRC = "RESULT crc32 source=disk opt=O2 cpu=i686 | crc=0xbcbc0f89"
PROFILE = ["--- BEGIN JSON ---"] + [f'{{"name": "m{i}", "calls": 1}}' for i in range(20)] + \
          ["--- END JSON ---", "tinyllama: ok"]
LINES = ["stage2: loading 104 sectors", "heap: self-test ok", *MODULES, CRC, *PROFILE]


def run(tmp_path, monkeypatch, result, expect=(), forbid=(), modules=None):
    """run_boot_test with QEMU replaced by `result`; the StepError text, or None on a pass."""
    monkeypatch.setattr(boot_test, "boot", lambda argv, timeout: result)
    expected = None
    if modules is not None:
        expected = tmp_path / "expected.json"
        expected.write_text(json.dumps({"modules": modules}))
    params = {"argv": ["qemu"], "timeout": 5, "expect": list(expect), "forbid": list(forbid),
              "log": str(tmp_path / "logs" / "t.log"), "label": "//images:t", "profile": False,
              "expected": str(expected) if expected else None}
    try:
        boot_test.run_boot_test([], [str(tmp_path / "result.json")], params)
    except StepError as exc:
        return str(exc)
    return None


def test_a_wrong_result_names_expected_and_actual_and_shows_its_line(tmp_path, monkeypatch):
    text = run(tmp_path, monkeypatch, BootResult(SUCCESS_STATUS, False, LINES, 2.0),
               modules={"crc32": {"expect": "crc=0xe81722f0"}, "m3": {"expect": "v=3"}})
    head, *rest = text.splitlines()
    assert head == f"TEST FAILED //images:t: exited with the success status {SUCCESS_STATUS}, but:"
    assert "  module crc32: value 0: expected 'crc=0xe81722f0', got 'crc=0xbcbc0f89'" in rest
    assert "success (" not in text
    assert f"    {LINES.index(CRC) + 1} | {CRC}" in rest
    assert not any('"name"' in line for line in rest)  # not the JSON profile at the end


def test_integer_values_name_expected_and_actual(tmp_path, monkeypatch):
    text = run(tmp_path, monkeypatch, BootResult(SUCCESS_STATUS, False, LINES, 2.0),
               modules={"m5": {"expect": "v=5"}, "m6": {"expect": "9", "tolerance": 1}})
    assert "module m6: expected 1 values, got 1" not in text
    assert "module m6: value 0: expected '9', got 'v=6'" in text


def test_a_missing_expectation_shows_the_lines_around_it(tmp_path, monkeypatch):
    text = run(tmp_path, monkeypatch, BootResult(SUCCESS_STATUS, False, LINES, 2.0),
               expect=["heap: self-test ok", "model: ready"])
    lines = text.splitlines()
    assert "  expected a line matching 'model: ready' (after line 2)" in lines
    assert lines[-6:] == [f"    {n + 1:>2} | {LINES[n]}" for n in range(1, 7)]  # from line 2 on
    assert not any("tinyllama: ok" in line for line in lines)


def test_a_failed_boot_says_why_and_keeps_the_tail(tmp_path, monkeypatch):
    lines = LINES[:5] + ["PANIC: page fault at 0x0"]
    text = run(tmp_path, monkeypatch, BootResult(PANIC_STATUS, False, lines, 1.0))
    assert text.splitlines()[0] == f"TEST FAILED //images:t: kernel panic (exit status {PANIC_STATUS})"
    assert "PANIC: page fault at 0x0" in text.splitlines()[-1]


def test_a_failed_boot_with_a_broken_expectation_shows_both(tmp_path, monkeypatch):
    text = run(tmp_path, monkeypatch, BootResult(PANIC_STATUS, False, LINES, 1.0),
               expect=["stage2", "model: ready"])
    assert text.splitlines()[0].endswith(f"kernel panic (exit status {PANIC_STATUS}), and:")
    assert "| stage2: loading 104 sectors" in text and "| tinyllama: ok" in text


def test_a_pass_writes_the_result(tmp_path, monkeypatch):
    assert run(tmp_path, monkeypatch, BootResult(SUCCESS_STATUS, False, LINES, 2.0),
               expect=["stage2"], modules={"crc32": {"expect": "crc=0xbcbc0f89"}}) is None
    assert (tmp_path / "result.json").exists()


def test_the_success_status_is_described_neutrally_only_when_checks_failed():
    result = BootResult(SUCCESS_STATUS, False, [], 0.0)
    assert result.describe() == f"success (exit status {SUCCESS_STATUS})"
    assert result.describe(checks_failed=True) == f"exited with the success status {SUCCESS_STATUS}"
    assert BootResult(PANIC_STATUS, False).describe(checks_failed=True).startswith("kernel panic")
