"""bfbuild.engine.steps: output redirection, depfiles, and running one action atomically."""
import json
import os
import sys

import pytest

from bfbuild.engine.journal import Journal
from bfbuild.engine.steps import (TMP_DIR, header_dependencies, parse_depfile, redirect_argv,
                                  run_action, temporary_path)

OBJ = "bfout/i686-off-clang/k/core/main.o"
DEP = OBJ + ".d"
TMP_OBJ = "bfout/i686-off-clang/k/core/.bftmp/main.o"
TMP_DEP = "bfout/i686-off-clang/k/core/.bftmp/main.o.d"


# -- redirect_argv ----------------------------------------------------------------------------

def test_temporary_path_is_beside_the_output():
    assert temporary_path(OBJ) == TMP_OBJ
    assert temporary_path("x.o") == os.path.join(TMP_DIR, "x.o")


def test_exact_output_arguments_are_redirected():
    assert redirect_argv(["ar", "rcsD", OBJ, "a.o"], [OBJ]) == ["ar", "rcsD", TMP_OBJ, "a.o"]


def test_output_after_dash_o_is_redirected():
    argv = ["cc", "-c", "k/main.c", "-o", OBJ]
    assert redirect_argv(argv, [OBJ]) == ["cc", "-c", "k/main.c", "-o", TMP_OBJ]


@pytest.mark.parametrize("flag", ["--out=", "-Map=", "-o", "-MF", "--output="])
def test_output_joined_to_a_flag_is_redirected(flag):
    assert redirect_argv(["tool", flag + OBJ], [OBJ]) == ["tool", flag + TMP_OBJ]


def test_path_with_an_output_as_prefix_is_not_rewritten():
    argv = ["cc", "-MD", "-MF", DEP, "-o", OBJ]
    assert redirect_argv(argv, [OBJ]) == ["cc", "-MD", "-MF", DEP, "-o", TMP_OBJ]


def test_output_and_its_depfile_are_each_redirected():
    argv = ["cc", "-MD", "-MF", DEP, "-c", "k/main.c", "-o", OBJ, "-MF" + DEP]
    assert redirect_argv(argv, [OBJ, DEP]) == [
        "cc", "-MD", "-MF", TMP_DEP, "-c", "k/main.c", "-o", TMP_OBJ, "-MF" + TMP_DEP]
    assert redirect_argv(argv, [DEP, OBJ]) == redirect_argv(argv, [OBJ, DEP])


@pytest.mark.parametrize("arg", [
    "k/" + OBJ,  # a different file whose path ends like the output
    "-I" + "k/" + OBJ,
    "x" + OBJ,
    OBJ + ".d",
    "main.o",
    "-Wl,-z," + "k/" + OBJ,
])
def test_other_arguments_are_left_alone(arg):
    assert redirect_argv(["tool", arg], [OBJ]) == ["tool", arg]


def test_inputs_are_never_redirected():
    argv = ["objcopy", "-O", "binary", "bfout/a/k.elf", "bfout/a/k.bin"]
    assert redirect_argv(argv, ["bfout/a/k.bin"]) == [
        "objcopy", "-O", "binary", "bfout/a/k.elf", "bfout/a/.bftmp/k.bin"]


# -- parse_depfile ----------------------------------------------------------------------------

def test_parse_depfile_continuations_and_escaped_spaces(tmp_path):
    depfile = tmp_path / "x.o.d"
    depfile.write_text(
        "bfout/x.o: k/main.c \\\n"
        "  k/include/bf/exit.h k/my\\ header.h \\\n"
        "  /usr/lib/clang/16/include/stdint.h\n")
    assert parse_depfile(str(depfile)) == [
        "k/main.c", "k/include/bf/exit.h", "k/my header.h", "/usr/lib/clang/16/include/stdint.h"]


def test_parse_depfile_skips_phony_targets(tmp_path):
    depfile = tmp_path / "x.o.d"
    depfile.write_text("bfout/x.o: a.c \\\n  b.h\n\nb.h:\n")
    assert parse_depfile(str(depfile)) == ["a.c", "b.h"]


def test_parse_depfile_nasm_style(tmp_path):
    depfile = tmp_path / "boot.bin.d"
    depfile.write_text("bfout/boot.bin : \\\n  boot/stage1.asm \\\n  boot/inc.asm\n\nboot/inc.asm :\n")
    assert parse_depfile(str(depfile)) == ["boot/stage1.asm", "boot/inc.asm"]


def test_parse_depfile_target_without_prerequisites(tmp_path):
    depfile = tmp_path / "x.d"
    depfile.write_text("bfout/x.o: \n")
    assert parse_depfile(str(depfile)) == []


def test_parse_depfile_escaped_space_in_target(tmp_path):
    depfile = tmp_path / "x.d"
    depfile.write_text("bfout/my\\ dir/x.o: a\\ b.c c.h\n")
    assert parse_depfile(str(depfile)) == ["a b.c", "c.h"]


# -- header_dependencies ----------------------------------------------------------------------

def test_header_dependencies_filters_declared_and_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a.c", "a.h", "b.h", "c.h"):
        (tmp_path / name).write_text("")
    (tmp_path / "x.o.d").write_text("x.o: a.c a.h \\\n b.h gone.h \\\n c.h b.h\n")
    spec = {"depfile": "x.o.d", "inputs": ["a.c", "a.h"]}
    assert header_dependencies(spec) == ["b.h", "c.h"]
    assert header_dependencies(spec, only_existing=False) == ["b.h", "gone.h", "c.h"]


def test_header_dependencies_without_depfile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert header_dependencies({"inputs": ["a.c"]}) == []
    assert header_dependencies({"depfile": "missing.d", "inputs": ["a.c"]}) == []


# -- run_action -------------------------------------------------------------------------------

WRITE = "import sys; open(sys.argv[1], 'w').write('complete')"
WRITE_THEN_FAIL = "import sys; open(sys.argv[1], 'w').write('partial'); sys.exit(1)"


def command_spec(out, code, *extra):
    return {"outputs": [str(out)], "inputs": [], "argv": [sys.executable, "-c", code, str(out), *extra],
            "env": {}}


def run(spec):
    """One action, its renames journaled in a folder of its own (as the engine does)."""
    import tempfile
    return run_action(spec, Journal(tempfile.mkdtemp(prefix="bf-journal-")))


def leftovers(folder):
    tmp = folder / TMP_DIR
    return sorted(os.listdir(tmp)) if tmp.is_dir() else []


def test_successful_command_writes_its_output(tmp_path):
    out = tmp_path / "out" / "result.txt"
    ok, text = run(command_spec(out, WRITE))
    assert ok, text
    assert out.read_text() == "complete"
    assert leftovers(out.parent) == []


def test_failed_command_leaves_no_output(tmp_path):
    out = tmp_path / "result.txt"
    ok, text = run(command_spec(out, WRITE_THEN_FAIL))
    assert not ok
    assert "command failed with exit status 1" in text
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_failure_message_shows_the_declared_command(tmp_path):
    out = tmp_path / "result.txt"
    ok, text = run(command_spec(out, WRITE_THEN_FAIL))
    assert not ok
    assert str(out) in text and TMP_DIR not in text.splitlines()[1]


def test_command_output_is_captured(tmp_path):
    out = tmp_path / "result.txt"
    code = WRITE + "; print('to stdout'); print('to stderr', file=sys.stderr)"
    ok, text = run(command_spec(out, code))
    assert ok
    assert "to stdout" in text and "to stderr" in text


def test_command_that_writes_nothing_fails(tmp_path):
    out = tmp_path / "result.txt"
    ok, text = run(command_spec(out, "pass"))
    assert not ok
    assert f"action did not write its declared output(s): {out}" in text
    assert not out.exists()


def test_stale_temporary_file_is_not_taken_as_output(tmp_path):
    out = tmp_path / "result.txt"
    stale = tmp_path / TMP_DIR / "result.txt"
    stale.parent.mkdir()
    stale.write_text("stale")
    ok, _ = run(command_spec(out, "pass"))
    assert not ok
    assert not out.exists() and not stale.exists()


def test_missing_program(tmp_path):
    spec = {"outputs": [str(tmp_path / "x")], "inputs": [], "argv": [str(tmp_path / "no-such-tool")]}
    ok, text = run(spec)
    assert not ok
    assert text.startswith("cannot run ")


def test_command_environment_is_fixed(tmp_path, monkeypatch):
    monkeypatch.setenv("BF_SHOULD_NOT_LEAK", "1")
    out = tmp_path / "env.json"
    code = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"
    spec = command_spec(out, code)
    spec["env"] = {"BF_EXTRA": "yes"}
    ok, text = run(spec)
    assert ok, text
    env = json.loads(out.read_text())
    assert env["BF_EXTRA"] == "yes"
    assert env["LC_ALL"] == "C" and env["TZ"] == "UTC" and env["SOURCE_DATE_EPOCH"] == "0"
    assert "BF_SHOULD_NOT_LEAK" not in env


# -- Python steps -----------------------------------------------------------------------------

STEP_MODULE = '''\
from bfbuild.engine.steps import StepError


def write(inputs, outputs, params):
    with open(outputs[0], "w") as handle:
        handle.write(params["text"])
    return "wrote " + params["text"]


def refuse(inputs, outputs, params):
    with open(outputs[0], "w") as handle:
        handle.write("partial")
    raise StepError("kernel too large: 900 sectors")


def crash(inputs, outputs, params):
    return 1 / 0
'''


@pytest.fixture
def step_module(tmp_path, monkeypatch):
    folder = tmp_path / "mods"
    folder.mkdir()
    (folder / "bf_unit_steps.py").write_text(STEP_MODULE)
    monkeypatch.syspath_prepend(str(folder))
    yield "bf_unit_steps"
    sys.modules.pop("bf_unit_steps", None)


def step_spec(out, function, **params):
    return {"outputs": [str(out)], "inputs": [], "function": function, "params": json.dumps(params)}


def test_python_step_writes_its_output(tmp_path, step_module):
    out = tmp_path / "step.txt"
    ok, text = run(step_spec(out, f"{step_module}:write", text="hello"))
    assert ok and text == "wrote hello"
    assert out.read_text() == "hello"
    assert leftovers(tmp_path) == []


def test_python_step_error_fails_with_its_message(tmp_path, step_module):
    out = tmp_path / "step.txt"
    ok, text = run(step_spec(out, f"{step_module}:refuse"))
    assert not ok
    assert text == "kernel too large: 900 sectors"
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_python_step_bug_reports_a_traceback(tmp_path, step_module):
    out = tmp_path / "step.txt"
    ok, text = run(step_spec(out, f"{step_module}:crash"))
    assert not ok
    assert text.startswith(f"python step {step_module}:crash raised:")
    assert "ZeroDivisionError" in text
    assert not out.exists()


def test_python_step_unknown_function(tmp_path, step_module):
    ok, text = run(step_spec(tmp_path / "x", f"{step_module}:nope"))
    assert not ok
    assert text == f"python step {step_module}:nope: module '{step_module}' has no function 'nope'"
