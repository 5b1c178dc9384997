"""A corpus of broken workspaces: each error fits a screen, names file:line, says how to fix it,
and shows no traceback unless --verbose asks for one."""
import json

import pytest

from bfbuild.labels import Label
from tests.unit.conftest import ROOT_BUILD, RULES_PY

MAX_LINES = 25
OK_LIB = "base:\n  rule: gen\n  srcs: [base.txt]\n"

# A rule that writes a fixed path instead of one from ctx.output(): two targets collide.
FIXED_OUTPUT_RULE = '''
import bfbuild
from bfbuild.analysis.providers import DefaultInfo
from bfbuild.loading.rules import Rule


def _fixed(ctx):
    out = "bfout/shared/out.txt"
    ctx.action("FIXED", ["fake-fixed", out], inputs=[], outputs=[out])
    return [DefaultInfo((out,))]


@bfbuild.hookimpl
def bfbuild_register_rules():
    return [Rule("fixed", {}, _fixed, axes=frozenset())]
'''

# A rule with the attribute kinds users get wrong most: strings, lists, mappings, files.
TYPED_RULE = '''
import bfbuild
from bfbuild.analysis.providers import DefaultInfo
from bfbuild.loading.rules import Rule
from bfbuild.loading.schema import Attr


@bfbuild.hookimpl
def bfbuild_register_rules():
    return [Rule("typed", {
        "prompt": Attr("string"),
        "opt": Attr("string", default="O2", values=["O0", "O1", "O2", "O3", "Os"]),
        "copts": Attr("string_list"),
        "defines": Attr("string_dict"),
        "srcs": Attr("source_list"),
        "hdrs": Attr("source_list"),
        "deps": Attr("label_list"),
    }, lambda ctx: [DefaultInfo(())], axes=frozenset())]
'''
TYPED = {"BUILD.yaml": ROOT_BUILD.replace("[rules.py]", "[rules.py, typed.py]"), "typed.py": TYPED_RULE,
         "app/crc32.c": "int crc;\n"}


def typed(body: str) -> dict:
    return {**TYPED, "app/BUILD.yaml": "crc:\n  rule: typed\n" + body}


def alias_bomb(levels: int = 9) -> str:
    """'Billion laughs': each anchor is a list of nine aliases of the previous one."""
    lines = ["bomb:", "  rule: gen", "  mode:", "    - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"    - &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# name: (files, command, "file:line", hint text); a bytes value is written as it is
CORPUS = {
    "yaml syntax error": (
        {"targets/lib.yaml": "base:\n  rule: gen\n  srcs: [base.txt\nother: 1\n"},
        ["build", "//lib:base"], "targets/lib.yaml:4:", "unclosed quote or bracket"),
    "dependency cycle": (
        {"targets/loop.yaml": "a:\n  rule: gen\n  deps: [':b']\nb:\n  rule: gen\n  deps: [':a']\n"},
        ["build", "//loop:a"], "targets/loop.yaml:1:", "remove one of these dependencies"),
    "typo'd label": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  deps:\n    - //lib:bsae\n"},
        ["build", "//app:main"], "app/BUILD.yaml:4:", "did you mean '//lib:base'?"),
    "unknown attribute": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  mdoe: fast\n"},
        ["build", "//app:main"], "app/BUILD.yaml:3:", "did you mean 'mode'?"),
    "wrong type": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  level: high\n"},
        ["build", "//app:main"], "app/BUILD.yaml:3:", "write it like 'level: 3'"),
    "value not allowed": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  mode: fsat\n"},
        ["build", "//app:main"], "app/BUILD.yaml:3:", "did you mean 'fast'?"),
    "missing source": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  srcs:\n    - main.c\n    - util.c\n",
         "app/main.c": "int x;\n"},
        ["build", "//app:main"], "app/BUILD.yaml:5:", "create the file, fix the path"),
    "unknown rule": (
        {"app/BUILD.yaml": "main:\n  rule: genn\n"},
        ["build", "//app:main"], "app/BUILD.yaml:2:", "did you mean 'gen'?"),
    "duplicate output": (
        {"BUILD.yaml": ROOT_BUILD.replace("[rules.py]", "[rules.py, fixed.py]"),
         "fixed.py": FIXED_OUTPUT_RULE, "app/BUILD.yaml": "one:\n  rule: fixed\ntwo:\n  rule: fixed\n"},
        ["build", "//app:all"], "app/BUILD.yaml:", "give one of the targets a different name or output"),
    "failing plugin import": (
        {"rules.py": "import bfbuild\n\nimport fancy_backend_that_is_not_installed\n"},
        ["build", "//lib:base"], "BUILD.yaml:2:", "fix the plugin module, or remove it from 'plugins:'"),
    "plugin syntax error": (
        {"rules.py": "import bfbuild\ndef broken(:\n    pass\n"},
        ["query", "//..."], "BUILD.yaml:2:", "fix the plugin module"),
    "unknown workspace key": (
        {"BUILD.yaml": ROOT_BUILD + "plugin: []\n"},
        ["build", "//lib:base"], "BUILD.yaml:4:", "did you mean 'plugins'?"),
    "plugin calls sys.exit(0)": (
        {"rules.py": "import sys\n\nsys.exit(0)\n"},
        ["build", "//lib:base"], "BUILD.yaml:2:", "fix the plugin module, or remove it from 'plugins:'"),
    "plugin raises a BaseException": (
        {"rules.py": "class Odd(BaseException):\n    pass\n\nraise Odd('odd')\n"},
        ["build", "//lib:base"], "BUILD.yaml:2:", "fix the plugin module"),
    "plugin hook calls sys.exit": (
        {"rules.py": RULES_PY.replace("    return [\n        Rule(\"gen\"", "    raise SystemExit(3)\n    return [\n        Rule(\"gen\"")},
        ["build", "//lib:base"], "failed in bfbuild_register_rules", "fix the plugin"),
    "binary package file": (
        {"targets/bin.yaml": b"a: 1\n\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"},
        ["build", "//lib:base"], "targets/bin.yaml:2:", "save the file as UTF-8"),
    "binary workspace file": (
        {"BUILD.yaml": ROOT_BUILD.encode() + b"\xff\xfe\x00junk\n"},
        ["build", "//lib:base"], "BUILD.yaml:4:", "save the file as UTF-8"),
    "control character in YAML": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  mode: fa\x01st\n"},
        ["build", "//app:main"], "app/BUILD.yaml:3:", "write it as an escape"),
    "alias bomb": (
        {"targets/bomb.yaml": alias_bomb()},
        ["build", "//bomb:bomb"], "targets/bomb.yaml:", "fewer nested aliases"),
    "huge list of the wrong type": (
        {"app/BUILD.yaml": "main:\n  rule: gen\n  level: [" + ", ".join(["x"] * 200_000) + "]\n"},
        ["build", "//app:main"], "app/BUILD.yaml:3:", "write it like 'level: 3'"),
    "number for a string": (
        typed("  prompt: 42\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", 'quote it: prompt: "42"'),
    "float for a string": (
        typed("  prompt: 1.10\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", 'quote it: prompt: "1.10"'),
    "boolean for a string": (
        typed("  prompt: yes\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", 'quote it: prompt: "yes"'),
    "number for an allowed value": (
        typed("  opt: 2\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", "did you mean 'O2'?"),
    "number in a string list": (
        typed("  copts:\n    - -O2\n    - 3\n"), ["build", "//app:crc"], "app/BUILD.yaml:5:",
        'quote it: "3"'),
    "string for a source list": (
        typed("  srcs: crc32.c\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", "srcs: [crc32.c]"),
    "string for a string list": (
        typed("  copts: -O2\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", "copts: [-O2]"),
    "string for a label list": (
        typed("  deps: //lib:base\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", "deps: [//lib:base]"),
    "list for a mapping": (
        typed("  defines: [FOO=1, BAR=x]\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:",
        "defines: {FOO: 1, BAR: x}"),
    "boolean name in a mapping": (
        typed("  defines: {ON: 1}\n"), ["build", "//app:crc"], "app/BUILD.yaml:3:", 'quote it: "ON"'),
    "newline in a file name": (
        typed('  srcs:\n    - crc32.c\n    - "crc\\n32.c"\n'), ["build", "//app:crc"],
        "app/BUILD.yaml:5:", "may not hold control characters"),
    "tab in a header name": (
        typed('  hdrs: ["crc\\t32.h"]\n'), ["build", "//app:crc"], "app/BUILD.yaml:3:",
        "may not hold control characters"),
    "NUL in a file name": (
        typed('  srcs: ["crc32.c\\0"]\n'), ["build", "//app:crc"], "app/BUILD.yaml:3:",
        "may not hold control characters"),
}


def write_broken(make_workspace, files):
    texts = {path: text for path, text in files.items() if not isinstance(text, bytes)}
    root = make_workspace({"targets/lib.yaml": OK_LIB, "lib/base.txt": "base\n", **texts})
    for path, data in files.items():
        if isinstance(data, bytes):
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
    return root


@pytest.fixture(params=sorted(CORPUS))
def broken(request, make_workspace):
    files, argv, where, hint = CORPUS[request.param]
    return write_broken(make_workspace, files), argv, where, hint


def test_each_error_is_short_located_and_actionable(broken, run_cli):
    root, argv, where, hint = broken
    rc, out, err = run_cli(root, *argv)
    assert rc == 2, (out, err)
    assert err.startswith("bfbuild: error: ") and where in err, err
    assert "hint: " in err and hint in err, err
    assert "Traceback" not in err + out
    assert len((out + err).splitlines()) <= MAX_LINES, err
    assert max(len(line) for line in (out + err).splitlines()) <= 300, err[:400]
    assert "Located" not in err and "<class" not in err, err


def test_bad_input_leaves_no_output_folder(broken, run_cli):
    root, argv, _, _ = broken
    rc, _, err = run_cli(root, *argv)
    assert rc == 2, err
    assert not (root / "bfout").exists(), sorted(p.name for p in (root / "bfout").iterdir())


def test_bad_input_changes_nothing_in_an_existing_output_folder(make_workspace, run_cli):
    root = write_broken(make_workspace, CORPUS["plugin calls sys.exit(0)"][0])
    kept = root / "bfout" / "any-any-any" / "lib" / "base" / "base.txt"
    kept.parent.mkdir(parents=True)
    kept.write_text("built\n")
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "bfout").rglob("*")
              if p.is_file() and p.name != ".lock"}
    rc, _, err = run_cli(root, "build", "//lib:base")
    assert rc == 2, err
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "bfout").rglob("*")
             if p.is_file() and p.name != ".lock"}
    assert after == before


def test_verbose_adds_the_traceback(broken, run_cli):
    root, argv, where, hint = broken
    rc, out, err = run_cli(root, *argv, "--verbose")
    assert rc == 2 and "Traceback (most recent call last)" in err, err
    assert where in err and hint in err


def test_the_plugin_error_also_names_the_line_in_the_plugin(make_workspace, run_cli):
    root = make_workspace({"rules.py": "import bfbuild\n\nimport fancy_backend_that_is_not_installed\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert rc == 2 and "(at rules.py:3)" in err and "No module named" in err


def test_sys_exit_in_a_plugin_is_reported_with_its_place(make_workspace, run_cli):
    root = write_broken(make_workspace, CORPUS["plugin calls sys.exit(0)"][0])
    rc, out, err = run_cli(root, "build", "//lib:base")
    assert rc == 2 and "called sys.exit(0)" in err and "(at rules.py:3)" in err, (out, err)


def test_a_base_exception_of_a_plugin_is_named(make_workspace, run_cli):
    root = write_broken(make_workspace, CORPUS["plugin raises a BaseException"][0])
    rc, _, err = run_cli(root, "query", "//...")
    assert rc == 2 and "Odd: odd (at rules.py:4)" in err, err


def test_the_alias_bomb_is_refused_in_well_under_a_second(make_workspace, run_cli):
    import time

    root = write_broken(make_workspace, CORPUS["alias bomb"][0])
    started = time.perf_counter()
    rc, _, err = run_cli(root, "query", "//...")
    elapsed = time.perf_counter() - started
    assert rc == 2 and "YAML aliases expand to" in err, err
    assert "targets/bomb.yaml:9:" in err, err  # the alias whose expansion passes the limit
    assert elapsed < 0.5, f"{elapsed:.2f}s"


def test_the_wrong_type_error_quotes_a_short_excerpt(make_workspace, run_cli):
    root = write_broken(make_workspace, CORPUS["huge list of the wrong type"][0])
    rc, _, err = run_cli(root, "query", "//...")
    assert rc == 2 and len(err) < 600, len(err)
    assert "must be an integer, got a list ['x', 'x'," in err and "..." in err, err


@pytest.mark.parametrize("name", ["number for a string", "string for a source list",
                                  "list for a mapping", "huge list of the wrong type"])
def test_type_errors_name_yaml_shapes(make_workspace, run_cli, name):
    root = write_broken(make_workspace, CORPUS[name][0])
    _, _, err = run_cli(root, "query", "//...")
    assert "LocatedList" not in err and "LocatedStr" not in err and " str " not in err
    assert any(shape in err for shape in ("a list", "a string", "an integer", "a mapping")), err


def test_the_allowed_values_are_listed_once(make_workspace, run_cli):
    root = write_broken(make_workspace, typed("  opt: fast\n"))
    rc, _, err = run_cli(root, "query", "//...")
    assert rc == 2 and err.count("'O0', 'O1'") == 1, err


def test_a_string_attribute_takes_a_quoted_number(make_workspace, run_cli):
    root = write_broken(make_workspace, typed('  prompt: "42"\n  opt: O2\n  srcs: [crc32.c]\n'
                                              '  defines: {N: 4, S: "x"}\n'))
    rc, out, err = run_cli(root, "query", "//app:crc")
    assert rc == 0, err


def test_file_names_with_shell_characters_stay_allowed(make_workspace):
    from bfbuild.session import Session

    names = ["a b.c", "x$y.c", "it's.c", 'say "hi".c', "h#ash.c", "ünïcødé.c", "$(echo hi).c"]
    files = {f"app/{name}": "int x;\n" for name in names}
    srcs = "".join(f"    - {json.dumps(name, ensure_ascii=False)}\n" for name in names)
    root = write_broken(make_workspace, {**typed("  srcs:\n" + srcs), **files})
    target = Session(start=root).targets[Label("app", "crc")]
    assert [str(f) for f in target.attrs["srcs"]] == [f"app/{name}" for name in names]


def test_the_duplicate_output_error_names_both_targets(make_workspace, run_cli):
    files, argv, _, _ = CORPUS["duplicate output"]
    root = make_workspace(files)
    rc, _, err = run_cli(root, *argv)
    assert "//app:one" in err and "//app:two" in err
    assert "(app/BUILD.yaml:1)" in err and "(app/BUILD.yaml:3)" in err
