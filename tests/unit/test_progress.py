"""Progress lines: live on a terminal (one line rewritten in place), plain in pipes and CI, and
the runner telling the engine which."""
import io
import subprocess
import sys

import pytest

from bfbuild.engine import runner
from bfbuild.engine.progress import ERASE, Progress, fit, is_ci, wants_live

SPEC = {"mnemonic": "CC", "owner": "//kernel:runtime", "config": "i686-any-clang",
        "progress": "kernel/runtime/heap.c"}
LINE = "[1/3] CC //kernel:runtime kernel/runtime/heap.c (i686-any-clang)"


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_plain_mode_prints_one_full_line_per_action_and_its_output():
    out = io.StringIO()
    progress = Progress(out, total=3)
    progress.start(SPEC)
    progress.finish(SPEC, True, "")
    progress.start({**SPEC, "progress": ""})
    progress.finish(SPEC, True, "module sum: 120 bytes\n")
    progress.close()
    assert out.getvalue() == (f"{LINE}\n[2/3] CC //kernel:runtime (i686-any-clang)\n"
                              "module sum: 120 bytes\n")
    assert "\r" not in out.getvalue()


def test_live_mode_rewrites_one_line_and_clears_it_at_the_end():
    out = Tty()
    progress = Progress(out, total=3, live=True)
    progress.start(SPEC, "local")
    progress.finish(SPEC, True, "")
    progress.start(SPEC)
    progress.close()
    text = out.getvalue()
    assert text == (f"{ERASE}{LINE} (from the local cache)"
                    f"{ERASE}{LINE.replace('[1/3]', '[2/3]')}{ERASE}")
    assert "\n" not in text  # nothing scrolled: a cached action is not worth a line here


def test_an_action_restored_from_a_cache_says_so_on_its_own_line():
    out = io.StringIO()
    progress = Progress(out, total=3)
    progress.start(SPEC, "local")
    progress.finish(SPEC, True, "")
    progress.start({**SPEC, "progress": "exit.c"}, "remote")
    progress.finish(SPEC, True, "")
    assert out.getvalue().splitlines() == [
        f"{LINE} (from the local cache)",
        "[2/3] CC //kernel:runtime exit.c (i686-any-clang) (from the remote cache)"]


def test_the_engine_script_starts_the_line_after_the_cache_lookup():
    """The engine prints an action's line once it knows where the outputs come from."""
    from bfbuild.engine import runner

    text = runner.ENGINE_SCRIPT.read_text()
    execute = text[text.index("def _execute"):text.index("def _store_header_dependencies")]
    assert execute.index("cache.restore(") < execute.index("progress.start(spec, where")
    assert "outputs from the" not in text


def test_live_mode_prints_output_and_failures_as_full_lines_then_redraws_the_status():
    out = Tty()
    progress = Progress(out, total=3, live=True)
    progress.start(SPEC)
    progress.finish(SPEC, False, "heap.c:3: error: expected ';'")
    assert out.getvalue() == (f"{ERASE}{LINE}{ERASE}heap.c:3: error: expected ';'\n"
                              f"FAILED: CC //kernel:runtime (i686-any-clang)\n{LINE}")


def test_live_lines_are_cut_to_the_terminal_width():
    assert fit("x" * 50, 40) == "x" * 36 + "..."
    assert fit("short", 40) == "short"
    out = Tty()
    progress = Progress(out, total=3, live=True, columns=30)
    progress.start(SPEC)
    assert len(out.getvalue()) == len(ERASE) + 29


@pytest.mark.parametrize("environ, live", [
    ({}, True), ({"CI": "true"}, False), ({"CI": "1"}, False), ({"CI": "false"}, True),
    ({"CI": ""}, True), ({"TERM": "dumb"}, False)])
def test_live_only_on_a_terminal_outside_ci(environ, live):
    assert wants_live(Tty(), environ) is live
    assert wants_live(io.StringIO(), environ) is False
    assert is_ci(environ) is (environ.get("CI") in ("true", "1"))


def _engine_argv(monkeypatch, tmp_path, stdout, environ):
    from bfbuild.analysis.graph import ActionGraph

    seen = {}

    def fake_run(argv, root, env):
        seen["argv"] = argv
        return subprocess.CompletedProcess(argv, 0, stderr=b"")

    monkeypatch.setattr(runner, "_run_supervised", fake_run)
    monkeypatch.setattr(sys, "stdout", stdout)
    for name in ("CI", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    runner.execute(tmp_path, ActionGraph(actions=[], goals=["bfout/x"]))
    return seen["argv"]


def test_the_runner_asks_the_engine_for_live_progress_on_a_terminal(monkeypatch, tmp_path):
    argv = _engine_argv(monkeypatch, tmp_path, Tty(), {})
    assert "BFLIVE=1" in argv and any(a.startswith("BFCOLUMNS=") for a in argv)


@pytest.mark.parametrize("stdout, environ", [(io.StringIO(), {}), (Tty(), {"CI": "true"})])
def test_the_runner_asks_for_plain_lines_in_a_pipe_or_in_ci(monkeypatch, tmp_path, stdout, environ):
    argv = _engine_argv(monkeypatch, tmp_path, stdout, environ)
    assert not any(a.startswith("BFLIVE") for a in argv)
