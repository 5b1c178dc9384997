"""Python steps of workspace rules (a plugin file under `plugins:`): named by the function object
or f"{__name__}:name", loaded by the engine from the file the action records, keyed by that
file's contents, and every naming mistake refused at analysis with file:line, no traceback."""
import re
from pathlib import Path

import pytest

from bfbuild.analysis.actions import python_step_digest
from bfbuild.api import Session
from bfbuild.engine.steps import StepError, load_python_step
from bfbuild.errors import BfError

DOC = Path(__file__).resolve().parents[2] / "docs" / "write-a-rule.md"
STEP_LINE = '    ctx.python_action("SHA256", write_digests,'


def doc_example() -> str:
    """The rules/checksum.py of docs/write-a-rule.md, as printed there."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "def write_digests" in b]
    return block


def checksum_workspace(root: Path, rule_text: str = None) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "rules" / "checksum.py").write_text(rule_text or doc_example(), encoding="utf-8")
    (root / "BUILD.yaml").write_text("workspace: sums\nplugins: [rules/checksum.py]\n")
    (root / "notes").mkdir()
    (root / "notes" / "a.txt").write_text("first\n")
    (root / "notes" / "b.txt").write_text("second\n")
    (root / "notes" / "BUILD.yaml").write_text("sums:\n  rule: checksum\n  srcs: [a.txt, b.txt]\n")
    return root


def with_step(step: str) -> str:
    """The doc's rule with the step named by `step` (a Python expression) on the same line."""
    text = doc_example()
    assert STEP_LINE in text
    return text.replace(STEP_LINE, f'    ctx.python_action("SHA256", {step},')


def analyse(root: Path):
    session = Session(start=root)
    return session, session.analyse(session.labels(["//notes:sums"]), session.configurations())


def test_the_documented_rule_builds_end_to_end(tmp_path):
    root = checksum_workspace(tmp_path / "ws")
    session, analysis = analyse(root)
    (action,) = analysis.graph.actions
    assert action.function == "bfbuild_workspace_plugin_rules_checksum:write_digests"
    assert action.module_file == str(root / "rules" / "checksum.py")
    assert action.declared_at.startswith("rules/checksum.py:")
    assert session.execute(analysis).ok
    import hashlib
    expected = "".join(f"{hashlib.sha256((root / 'notes' / name).read_bytes()).hexdigest()}  "
                       f"notes/{name}\n" for name in ("a.txt", "b.txt"))
    assert (root / "bfout/any-any-any/notes/sums/sums.sha256").read_text() == expected


def test_dunder_name_string_names_the_same_step(tmp_path):
    _, by_object = analyse(checksum_workspace(tmp_path / "a"))
    _, by_name = analyse(checksum_workspace(tmp_path / "b", with_step('f"{__name__}:write_digests"')))
    (one,), (two,) = by_object.graph.actions, by_name.graph.actions
    assert one.function == two.function
    assert two.module_file == str(tmp_path / "b" / "rules" / "checksum.py")


def test_where_the_workspace_lies_is_not_in_the_key(tmp_path):
    _, first = analyse(checksum_workspace(tmp_path / "a"))
    _, second = analyse(checksum_workspace(tmp_path / "b"))
    (one,), (two,) = first.graph.actions, second.graph.actions
    assert one.module_file != two.module_file
    assert one.key == two.key  # a shared cache serves both checkouts


def test_the_rule_file_is_part_of_the_action_key(tmp_path):
    root = checksum_workspace(tmp_path / "ws")
    _, analysis = analyse(root)
    (action,) = analysis.graph.actions
    before = action.key
    rule = root / "rules" / "checksum.py"
    rule.write_text(rule.read_text() + "# edited\n")
    python_step_digest.cache_clear()
    # Keys are memoised per Action value in a process; a field outside the key (progress) makes
    # a distinct value, as the next bfbuild process would see it.
    from dataclasses import replace
    assert replace(action, progress="fresh").key != before


@pytest.mark.parametrize("step, message", [
    ('"rules.checksum:write_digests"', "python step module 'rules.checksum' not found"),
    ('"checksum:write_digests"', "python step module 'checksum' not found"),
    ('f"{__name__}:write_digest"', "python step module 'bfbuild_workspace_plugin_rules_checksum' "
                                   "has no function 'write_digest'"),
    ('lambda inputs, outputs, params: None', "is not a function defined at the top level"),
    ('"write_digests"', "python step 'write_digests' is not 'module:function'"),
])
def test_a_misnamed_step_is_refused_at_analysis_with_file_and_line(tmp_path, step, message):
    root = checksum_workspace(tmp_path / "ws", with_step(step))
    line = 1 + next(n for n, text in enumerate(with_step(step).splitlines())
                    if "ctx.python_action(" in text)
    with pytest.raises(BfError) as info:
        analyse(root)
    text = str(info.value)
    assert text.startswith("notes/BUILD.yaml:1: //notes:sums: ")
    assert message in text
    assert f"(at rules/checksum.py:{line})" in text


def test_the_documented_error_is_the_real_one(tmp_path):
    quoted = re.search(r"`(notes/BUILD\.yaml:1: //notes:sums: python step module\s+'rules\.checksum'"
                       r" not found \(at rules/checksum\.py:\d+\))`", DOC.read_text(encoding="utf-8"))
    assert quoted, "docs/write-a-rule.md quotes the error of a misnamed step"
    root = checksum_workspace(tmp_path / "ws", with_step('"rules.checksum:write_digests"'))
    with pytest.raises(BfError) as info:
        analyse(root)
    assert " ".join(quoted[1].split()) == str(info.value).splitlines()[0]


def test_the_command_line_shows_no_traceback(tmp_path, run_cli):
    root = checksum_workspace(tmp_path / "ws", with_step('"rules.checksum:write_digests"'))
    rc, out, err = run_cli(root, "build", "//notes:sums")
    assert rc == 2
    assert "Traceback" not in out + err
    assert "rules/checksum.py:" in err and "not found" in err


# -- the engine's side: a recorded file, loaded; failures in one line ------------------------

def spec(function, module_file=None, declared_at="rules/checksum.py:26"):
    return {"function": function, "module_file": module_file, "declared_at": declared_at}


def test_the_engine_loads_a_step_from_its_recorded_file(tmp_path):
    path = tmp_path / "checksum.py"
    path.write_text("def step(inputs, outputs, params):\n    return 'ran'\n")
    function = load_python_step(spec("bf_engine_probe_generated_zz:step", str(path)))
    try:
        assert function(inputs=[], outputs=[], params={}) == "ran"
    finally:
        import sys
        sys.modules.pop("bf_engine_probe_generated_zz", None)


def test_the_engine_reports_a_missing_file_in_one_line(tmp_path):
    with pytest.raises(StepError) as info:
        load_python_step(spec("bf_engine_probe_gone_zz:step", str(tmp_path / "gone.py")))
    assert str(info.value) == (f"python step bf_engine_probe_gone_zz:step (declared at "
                               f"rules/checksum.py:26): its file {tmp_path / 'gone.py'} does not exist")


def test_the_engine_reports_a_file_that_fails_to_import(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('half written')\n")
    with pytest.raises(StepError) as info:
        load_python_step(spec("bf_engine_probe_broken_zz:step", str(path)))
    assert "importing" in str(info.value) and "RuntimeError: half written" in str(info.value)
    assert "\n" not in str(info.value)


def test_the_engine_reports_an_unknown_module_in_one_line():
    with pytest.raises(StepError) as info:
        load_python_step(spec("rules.checksum:write_digests"))
    assert str(info.value) == ("python step rules.checksum:write_digests (declared at "
                               "rules/checksum.py:26): module 'rules.checksum' not found")


@pytest.mark.parametrize("by_file", [False, True])
def test_threads_loading_one_slow_module_all_get_the_function(tmp_path, monkeypatch, by_file):
    """The engine runs steps in threads: a second thread must wait for a module another thread
    is still executing, not find it half made."""
    import sys
    import threading
    name = f"bf_engine_probe_slow_{int(by_file)}_zz"
    path = tmp_path / f"{name}.py"
    path.write_text("import time\ntime.sleep(0.3)\ndef step(inputs, outputs, params):\n    return 'ok'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found, errors = [], []

    def load():
        try:
            found.append(load_python_step(spec(f"{name}:step", str(path) if by_file else None)))
        except StepError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=load) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.modules.pop(name, None)
    assert errors == [] and len(found) == 4
