"""Workspaces, package discovery, loading and validation, the CLI's errors, and `bfbuild query`."""
import pytest

from bfbuild.errors import BfError
from bfbuild.labels import Label
from bfbuild.loading.schema import SourceFile
from bfbuild.session import Session
from bfbuild.loading.workspace import find_root, load_workspace

LIB = """\
base:
  rule: gen
  srcs: [base.txt]
util:
  rule: gen
  mode: small
  level: 3
  verbose: true
  deps: [":base"]
lonely:
  rule: filegroup
  srcs: [data.txt]
"""

APP = """\
main:
  rule: gen
  deps:
    - //lib:util
    - :helper
helper:
  rule: gen
  deps: ["//lib:base"]
"""

GOOD = {
    "targets/lib.yaml": LIB,
    "targets/nested/deep.yaml": "thing:\n  rule: gen\n",
    "lib/base.txt": "base\n",
    "lib/data.txt": "data\n",
    "app/BUILD.yaml": APP,
    "sub/dir/BUILD.yaml": "leaf:\n  rule: gen\n",
    # A nested workspace: neither it nor anything below it belongs to this one.
    "vendor/BUILD.yaml": "workspace: vendored\n",
    "vendor/inner/BUILD.yaml": "hidden:\n  rule: gen\n",
}


@pytest.fixture
def good(make_workspace):
    return make_workspace(GOOD)


def assert_usage_error(rc, err, *fragments):
    assert rc == 2, err
    assert "Traceback" not in err
    assert err.startswith("bfbuild: error: ")
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"


# -- the workspace ----------------------------------------------------------------------------

def test_root_is_found_from_a_subdirectory(good):
    workspace = load_workspace(start=good / "sub" / "dir")
    assert workspace.root == good.resolve()
    assert workspace.name == "t"
    assert workspace.plugins == ["rules.py"]
    assert Session(start=good).defaults == {"cpu": "a", "pgo": "off", "toolchain": "clang"}


def test_nested_workspace_is_its_own_root(good):
    assert find_root(good / "vendor" / "inner") == (good / "vendor").resolve()


def test_no_workspace_raises_with_hint(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "BUILD.yaml").write_text("x:\n  rule: gen\n")
    if any((folder / "BUILD.yaml").is_file() for folder in tmp_path.parents):
        pytest.skip("a folder above the temporary directory holds a BUILD.yaml")
    # A BUILD.yaml without 'workspace:' is a package, not a root.
    with pytest.raises(BfError) as info:
        find_root(tmp_path / "plain")
    assert "no workspace found" in info.value.message
    assert "workspace: NAME" in info.value.hint


def test_package_files(good):
    files = load_workspace(start=good).package_files()
    assert files == {
        "lib": "targets/lib.yaml",
        "nested/deep": "targets/nested/deep.yaml",
        "app": "app/BUILD.yaml",
        "sub/dir": "sub/dir/BUILD.yaml",
    }


def test_root_targets_key_makes_the_root_package(make_workspace):
    root = make_workspace({"BUILD.yaml": "workspace: t\nplugins: [rules.py]\n"
                                         "targets:\n  top:\n    rule: gen\n"})
    session = Session(start=root)
    assert session.workspace.package_files()[""] == "BUILD.yaml"
    assert Label("", "top") in session.targets


def test_unknown_workspace_key(make_workspace):
    root = make_workspace({"BUILD.yaml": "workspace: t\nplugin: [rules.py]\n"})
    with pytest.raises(BfError) as info:  # known once plugins have said which keys they read
        Session(start=root)
    assert info.value.file == "BUILD.yaml" and info.value.line == 2
    assert "did you mean 'plugins'" in info.value.hint


def test_unknown_default_axis(make_workspace):
    root = make_workspace({"BUILD.yaml": "workspace: t\ndefaults:\n  cpus: a\n"})
    with pytest.raises(BfError) as info:  # axes are declared by plugins
        Session(start=root)
    assert info.value.line == 3
    assert "unknown configuration axis 'cpus'" in info.value.message
    assert "did you mean 'cpu'" in info.value.hint


def test_target_named_workspace_in_a_package_build_file(make_workspace):
    root = make_workspace({**GOOD, "app/BUILD.yaml": APP + "workspace:\n  rule: gen\n"})
    files = load_workspace(start=root).package_files()
    assert files.get("app") == "app/BUILD.yaml"


def test_target_named_workspace_in_a_targets_file(make_workspace):
    root = make_workspace({**GOOD, "targets/lib.yaml": LIB + "workspace:\n  rule: gen\n"})
    assert Label("lib", "workspace") in Session(start=root).targets


def test_bare_off_default_is_read_as_the_string_off(make_workspace):
    root = make_workspace({"BUILD.yaml": "workspace: t\ndefaults:\n  pgo: off\n"})
    assert Session(start=root).defaults["pgo"] == "off"


# -- loading ----------------------------------------------------------------------------------

def test_targets_are_loaded_with_typed_attributes(good):
    session = Session(start=good)
    labels = {str(label) for label in session.targets.targets}
    assert labels == {"//lib:base", "//lib:util", "//lib:lonely", "//nested/deep:thing",
                      "//app:main", "//app:helper", "//sub/dir:leaf"}
    util = session.targets[Label("lib", "util")]
    assert util.rule.name == "gen"
    assert util.attrs["mode"] == "small"
    assert util.attrs["level"] == 3
    assert util.attrs["verbose"] is True
    assert util.attrs["deps"] == [Label("lib", "base")]
    assert util.attrs["srcs"] == []  # absent source_list
    assert util.attrs["tags"] == []  # a common attribute
    base = session.targets[Label("lib", "base")]
    assert base.attrs["srcs"] == [SourceFile("lib/base.txt")]
    assert base.attrs["mode"] == "fast" and base.attrs["level"] == 1 and base.attrs["verbose"] is False


def test_targets_and_dependencies_remember_where_they_were_written(good, line_of):
    session = Session(start=good)
    main = session.targets[Label("app", "main")]
    assert (main.where.file, main.where.line) == ("app/BUILD.yaml", 1)
    lines = {str(dep.label): dep.where.line for dep in main.deps}
    path = good / "app/BUILD.yaml"
    assert lines == {"//lib:util": line_of(path, "- //lib:util"),
                     "//app:helper": line_of(path, "- :helper")}


def test_analysis_declares_actions_without_running_them(good):
    session = Session(start=good)
    config = session.default_configuration()
    assert config.name == "a-off-clang"
    analysis = session.analyse([Label("app", "main")], [config])
    by_owner = {action.owner: action for action in analysis.graph.actions}
    assert set(by_owner) == {"//app:main", "//app:helper", "//lib:util", "//lib:base"}
    util = by_owner["//lib:util"]
    out = "bfout/any-any-any/lib/util/util.txt"
    assert util.config == "any-any-any"
    assert util.outputs == (out,)
    assert util.argv == ("fake-gen", "--mode=small", "--level=3", "-v", "-o", out,
                         "bfout/any-any-any/lib/base/base.txt")
    main = by_owner["//app:main"]
    assert set(main.inputs) == {out, "bfout/any-any-any/app/helper/helper.txt"}
    assert analysis.graph.goals == ["bfout/any-any-any/app/main/main.txt"]
    assert not (good / "bfout" / "any-any-any").exists()


# -- errors through the command line ----------------------------------------------------------

def test_yaml_syntax_error(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/lib.yaml": "base:\n  rule: gen\n  srcs: [base.txt\nx: 1\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/lib.yaml:4: YAML syntax error")


def test_unknown_attribute_lists_the_rules_attributes(make_workspace, run_cli, line_of):
    root = make_workspace({**GOOD, "targets/lib.yaml": LIB.replace("  mode: small", "  modes: small")})
    rc, _, err = run_cli(root, "query", "//...")
    line = line_of(root / "targets/lib.yaml", "modes:")
    assert_usage_error(rc, err, f"targets/lib.yaml:{line}: unknown attribute 'modes' for rule 'gen' "
                       "in target 'util'",
                       "did you mean 'mode'",
                       "deps: label_list, level: int, mode: string, srcs: source_list, verbose: bool")


def test_typo_in_dependency_label(make_workspace, run_cli, line_of):
    root = make_workspace({**GOOD, "app/BUILD.yaml": APP.replace("- :helper", "- :helpr")})
    rc, _, err = run_cli(root, "query", "//...")
    line = line_of(root / "app/BUILD.yaml", ":helpr")
    assert_usage_error(rc, err, f"app/BUILD.yaml:{line}: target //app:main depends on //app:helpr, "
                       "which does not exist (attribute 'deps')",
                       "did you mean '//app:helper'?")


def test_typo_in_dependency_package(make_workspace, run_cli, line_of):
    root = make_workspace({**GOOD, "app/BUILD.yaml": APP.replace('"//lib:base"', '"//lbi:base"')})
    rc, _, err = run_cli(root, "query", "//...")
    line = line_of(root / "app/BUILD.yaml", "//lbi:base")
    assert_usage_error(rc, err, f"app/BUILD.yaml:{line}:", "//lbi:base", "did you mean '//lib:base'?")


def test_typo_in_command_line_target(good, run_cli):
    rc, out, err = run_cli(good, "build", "//lib:bsae")
    assert_usage_error(rc, err, "no target 'bsae' in package //lib (targets/lib.yaml)",
                       "did you mean 'base'?")
    assert out == ""


def test_typo_in_command_line_package(good, run_cli):
    rc, _, err = run_cli(good, "build", "//lbi/...")
    assert_usage_error(rc, err, "no package //lbi matches '//lbi/...'", "did you mean '//lib'?")


def test_dependency_cycle_prints_the_path(make_workspace, run_cli):
    cycle = "a:\n  rule: gen\n  deps: [':b']\nb:\n  rule: gen\n  deps: [':a']\n"
    root = make_workspace({**GOOD, "targets/loop.yaml": cycle})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/loop.yaml:1: dependency cycle:",
                       "//loop:a (targets/loop.yaml:1)\n    -> //loop:b (targets/loop.yaml:4)\n"
                       "    -> //loop:a (targets/loop.yaml:1)",
                       "remove one of these dependencies")


def test_self_dependency_is_a_cycle(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/loop.yaml": "a:\n  rule: gen\n  deps: [':a']\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "//loop:a (targets/loop.yaml:1)\n    -> //loop:a (targets/loop.yaml:1)")


def test_missing_source_file_suggests_a_similar_file(make_workspace, run_cli, line_of):
    root = make_workspace({**GOOD, "targets/lib.yaml": LIB.replace("[base.txt]", "[bsae.txt]")})
    rc, _, err = run_cli(root, "query", "//...")
    line = line_of(root / "targets/lib.yaml", "bsae.txt")
    assert_usage_error(rc, err, f"targets/lib.yaml:{line}: attribute 'srcs': source file "
                       "'lib/bsae.txt' does not exist", "did you mean 'base.txt'")


def test_invalid_label_in_label_list_names_file_and_line(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "bad:\n  rule: gen\n  deps: [\":bad name\"]\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:3: invalid target name in label ':bad name'")


def test_invalid_label_in_source_list_names_file_and_line(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "bad:\n  rule: gen\n  srcs: [\":bad name\"]\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:3: invalid target name in label ':bad name'")


def test_source_list_may_name_targets(make_workspace):
    root = make_workspace({**GOOD, "targets/lib.yaml": LIB + "gen2:\n  rule: gen\n  srcs: [':base', base.txt]\n"})
    target = Session(start=root).targets[Label("lib", "gen2")]
    assert target.attrs["srcs"] == [Label("lib", "base"), SourceFile("lib/base.txt")]
    assert [str(dep.label) for dep in target.deps] == ["//lib:base"]


def test_source_outside_the_package_is_refused(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/lib.yaml": LIB.replace("[base.txt]", "[../BUILD.yaml]")})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "must stay inside its package folder")


@pytest.mark.parametrize("attr, value, expected", [
    ("level", '"high"', "attribute 'level' must be an integer, got a string 'high'"),
    ("level", "true", "attribute 'level' must be an integer, got the boolean true"),
    ("verbose", "1", "attribute 'verbose' must be true or false, got an integer 1"),
    ("deps", '"//lib:base"', "attribute 'deps' must be a list of target labels, got a string '//lib:base'"),
    ("deps", '["base"]', "item 1 of attribute 'deps' must be a target label (//pkg:name or :name), "
                         "got a string 'base'"),
    ("mode", "[fast]", "attribute 'mode' must be one of 'fast', 'small', got a list ['fast']"),
])
def test_wrong_attribute_type(make_workspace, run_cli, attr, value, expected):
    target = f"bad:\n  rule: gen\n  {attr}: {value}\n"
    root = make_workspace({**GOOD, "targets/bad.yaml": target})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, f"targets/bad.yaml:3: {expected}")


def test_value_not_in_allowed_values(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "bad:\n  rule: gen\n  mode: fsat\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:3: attribute 'mode' does not accept 'fsat'; "
                       "allowed: 'fast', 'small'", "did you mean 'fast'?")


def test_unknown_rule(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "bad:\n  doc: x\n  rule: gne\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:3: unknown rule 'gne'", "did you mean 'gen'?")


def test_target_without_rule(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "bad:\n  doc: x\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:1: target 'bad' has no 'rule:'", "filegroup", "gen")


def test_missing_required_attribute(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "bad:\n  rule: filegroup\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:1: target 'bad' misses required attribute 'srcs'")


def test_invalid_target_name(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/bad.yaml": "ok:\n  rule: gen\nbad name:\n  rule: gen\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "targets/bad.yaml:3: invalid target name")


def test_duplicate_target_name_in_one_file(make_workspace, run_cli, line_of):
    root = make_workspace({**GOOD, "targets/lib.yaml": LIB + "base:\n  rule: gen\n"})
    rc, _, err = run_cli(root, "query", "//...")
    second = line_of(root / "targets/lib.yaml", "base:", occurrence=2)
    assert second > 1
    assert_usage_error(rc, err, f"targets/lib.yaml:{second}: duplicate key 'base' "
                       "(first defined on line 1)")


def test_package_defined_twice(make_workspace, run_cli):
    root = make_workspace({**GOOD, "targets/app.yaml": "other:\n  rule: gen\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "package //app is defined twice: in targets/app.yaml and in "
                       "app/BUILD.yaml", "keep one of the two files")


def test_workspace_plugin_raising_import_error(make_workspace, run_cli):
    root = make_workspace({**GOOD, "rules.py": "raise ImportError('no module named fancy_backend')\n"})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "BUILD.yaml:2: plugin 'rules.py' failed to import: ImportError: "
                       "no module named fancy_backend", "remove it from 'plugins:'")


def test_missing_workspace_plugin_file(make_workspace, run_cli):
    root = make_workspace({**GOOD, "rules.py": None})
    rc, _, err = run_cli(root, "query", "//...")
    assert_usage_error(rc, err, "BUILD.yaml:2: plugin file 'rules.py' does not exist")


# -- query ------------------------------------------------------------------------------------

def query(run_cli, root, expression):
    rc, out, err = run_cli(root, "query", expression)
    assert rc == 0, err
    return out.splitlines()


def test_query_everything(good, run_cli):
    assert query(run_cli, good, "//...") == [
        "//app:helper", "//app:main", "//lib:base", "//lib:lonely", "//lib:util",
        "//nested/deep:thing", "//sub/dir:leaf"]


def test_query_patterns(good, run_cli):
    assert query(run_cli, good, "//lib:all") == ["//lib:base", "//lib:lonely", "//lib:util"]
    assert query(run_cli, good, "//nested/...") == ["//nested/deep:thing"]


def test_query_deps(good, run_cli):
    assert query(run_cli, good, "deps(//app:main)") == [
        "//app:helper", "//app:main", "//lib:base", "//lib:util"]
    assert query(run_cli, good, "deps(//app:main, 1)") == ["//app:helper", "//app:main", "//lib:util"]


def test_query_rdeps(good, run_cli):
    assert query(run_cli, good, "rdeps(//lib:base)") == [
        "//app:helper", "//app:main", "//lib:base", "//lib:util"]
    assert query(run_cli, good, "rdeps(//lib:all, //lib:base)") == ["//lib:base", "//lib:util"]


def test_query_somepath_is_in_dependency_order(good, run_cli):
    assert query(run_cli, good, "somepath(//app:main, //lib:base)") == [
        "//app:main", "//lib:util", "//lib:base"]
    assert query(run_cli, good, "somepath(//lib:base, //app:main)") == []


def test_query_allpaths(good, run_cli):
    assert query(run_cli, good, "allpaths(//app:main, //lib:base)") == [
        "//app:helper", "//app:main", "//lib:base", "//lib:util"]


def test_query_kind(good, run_cli):
    assert query(run_cli, good, "kind(filegroup, //...)") == ["//lib:lonely"]
    assert query(run_cli, good, "kind(gen, deps(//lib:util))") == ["//lib:base", "//lib:util"]


def test_query_verbose_prints_rules(good, run_cli):
    rc, out, _ = run_cli(good, "query", "-v", "//lib:all")
    assert rc == 0
    assert out.splitlines() == ["//lib:base  (gen)", "//lib:lonely  (filegroup)", "//lib:util  (gen)"]


@pytest.mark.parametrize("expression, fragment", [
    ("deps(//app:main", "query syntax error"),
    ("deps(//app:main))", "unexpected ')'"),
    ("dpes(//app:main)", "unknown query function 'dpes'\n  hint: did you mean 'deps'"),
    ("somepath(//app:main)", "somepath() takes 2 arguments, got 1"),
    ("deps(//app:main, x)", "depth must be a number"),
    ("//lib:nope", "no target 'nope' in package //lib"),
])
def test_query_errors_exit_2(good, run_cli, expression, fragment):
    rc, out, err = run_cli(good, "query", expression)
    assert_usage_error(rc, err, fragment)
    assert out == ""
