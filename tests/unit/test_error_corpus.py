"""A corpus of broken workspaces: each error fits a screen, names file:line, says how to fix it,
and shows no traceback unless --verbose asks for one."""
import pytest

from tests.unit.conftest import ROOT_BUILD

MAX_LINES = 25
OK_LIB = "base:\n  rule: gen\n  srcs: [base.txt]\n"

# A rule that writes a fixed path instead of one from ctx.output(): two targets collide.
FIXED_OUTPUT_RULE = '''
import bfbuild
from bfbuild.providers import DefaultInfo
from bfbuild.rules import Rule


def _fixed(ctx):
    out = "bfout/shared/out.txt"
    ctx.action("FIXED", ["fake-fixed", out], inputs=[], outputs=[out])
    return [DefaultInfo((out,))]


@bfbuild.hookimpl
def bfbuild_register_rules():
    return [Rule("fixed", {}, _fixed, axes=frozenset())]
'''

# name: (files, command, "file:line", hint text)
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
}


@pytest.fixture(params=sorted(CORPUS))
def broken(request, make_workspace):
    files, argv, where, hint = CORPUS[request.param]
    root = make_workspace({"targets/lib.yaml": OK_LIB, "lib/base.txt": "base\n", **files})
    return root, argv, where, hint


def test_each_error_is_short_located_and_actionable(broken, run_cli):
    root, argv, where, hint = broken
    rc, out, err = run_cli(root, *argv)
    assert rc == 2, (out, err)
    assert err.startswith("bfbuild: error: ") and where in err, err
    assert "hint: " in err and hint in err, err
    assert "Traceback" not in err + out
    assert len((out + err).splitlines()) <= MAX_LINES, err


def test_verbose_adds_the_traceback(broken, run_cli):
    root, argv, where, hint = broken
    rc, out, err = run_cli(root, *argv, "--verbose")
    assert rc == 2 and "Traceback (most recent call last)" in err, err
    assert where in err and hint in err


def test_the_plugin_error_also_names_the_line_in_the_plugin(make_workspace, run_cli):
    root = make_workspace({"rules.py": "import bfbuild\n\nimport fancy_backend_that_is_not_installed\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert rc == 2 and "(at rules.py:3)" in err and "No module named" in err


def test_the_duplicate_output_error_names_both_targets(make_workspace, run_cli):
    files, argv, _, _ = CORPUS["duplicate output"]
    root = make_workspace(files)
    rc, _, err = run_cli(root, *argv)
    assert "//app:one" in err and "//app:two" in err
    assert "(app/BUILD.yaml:1)" in err and "(app/BUILD.yaml:3)" in err
