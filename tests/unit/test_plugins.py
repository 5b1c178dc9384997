"""bfbuild.plugins: entry-point rules, workspace plugins, conflicts, and the hook specs."""
import inspect
import sys
import types
from importlib.metadata import entry_points

import pytest

import bfbuild
from bfbuild import hookspecs
from bfbuild.errors import BfError
from bfbuild.plugins import ENTRY_POINT_GROUP, collect_rules, make_plugin_manager
from bfbuild.loading.rules import COMMON_ATTRS, Rule
from bfbuild.loading.schema import Attr
from bfbuild.loading.workspace import load_workspace

BUILT_IN_RULES = {"asm", "clang", "archive", "link", "image", "boot-test", "cpu", "filegroup"}
# Entry point name -> the rules its module registers (the package may ship more plugins).
BUILT_IN_PLUGINS = {"asm": ["asm"], "clang": ["clang"], "archive": ["archive"], "link": ["link"],
                    "image": ["image"], "boot-test": ["boot-test"], "cpu": ["cpu"],
                    "filegroup": ["filegroup"]}


def _plugin(name, *rules):
    """A module-like plugin object registering the given rules."""
    module = types.ModuleType(name)

    @bfbuild.hookimpl
    def bfbuild_register_rules():
        return list(rules)

    module.bfbuild_register_rules = bfbuild_register_rules
    return module


def _noop(ctx):
    return []


def test_built_in_rules_are_registered():
    rules = collect_rules(make_plugin_manager())
    assert BUILT_IN_RULES <= set(rules)
    assert all(isinstance(rule, Rule) and rule.name == name for name, rule in rules.items())
    assert rules["boot-test"].test is True
    assert rules["clang"].axes == frozenset({"cpu", "toolchain"})
    assert rules["asm"].axes == frozenset()


def test_built_in_rules_come_through_the_entry_point_group():
    assert ENTRY_POINT_GROUP == "bfbuild.plugins"
    points = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name in BUILT_IN_PLUGINS:
        assert points.get(name) == f"bfbuild_unikernel.rules.{name.replace('-', '_')}"
    manager = make_plugin_manager()
    registered = dict(manager.list_name_plugin())
    for name, value in points.items():  # every entry point is loaded, under its own name
        assert registered[name].__name__ == value
    by_plugin = {impl.plugin_name: [r.name for r in impl.function()]
                 for impl in manager.hook.bfbuild_register_rules.get_hookimpls()}
    assert set(by_plugin) <= set(points)  # nothing registers rules outside the group
    for name, rule_names in BUILT_IN_PLUGINS.items():
        assert by_plugin[name] == rule_names


def test_rule_attributes_do_not_shadow_common_ones():
    for rule in collect_rules(make_plugin_manager()).values():
        assert not set(rule.attrs) & set(COMMON_ATTRS), rule.name
        assert rule.all_attrs()["rule"].required


def test_workspace_plugin_registers_its_rule(make_workspace):
    root = make_workspace({})
    manager = make_plugin_manager(load_workspace(start=root))
    assert manager.has_plugin("workspace:rules.py")
    rules = collect_rules(manager)
    assert {"gen", "noaxis", "usecpu"} <= set(rules)
    assert BUILT_IN_RULES <= set(rules)
    assert rules["gen"].attrs["mode"].values == ["fast", "small"]


def test_workspace_plugin_by_module_name(make_workspace, monkeypatch):
    root = make_workspace({"BUILD.yaml": "workspace: t\nplugins: [my_ws_rules]\n",
                           "pylib/my_ws_rules.py": (
                               "import bfbuild\nfrom bfbuild.loading.rules import Rule\n"
                               "@bfbuild.hookimpl\ndef bfbuild_register_rules():\n"
                               "    return [Rule('mine', {}, lambda ctx: [])]\n")})
    monkeypatch.syspath_prepend(str(root / "pylib"))
    try:
        manager = make_plugin_manager(load_workspace(start=root))
    finally:
        sys.modules.pop("my_ws_rules", None)
    assert manager.has_plugin("workspace:my_ws_rules")
    assert "mine" in collect_rules(manager)


def test_workspace_plugin_unknown_module(make_workspace):
    root = make_workspace({"BUILD.yaml": "workspace: t\nplugins:\n  - rules.py\n  - no_such_mod_zz\n"})
    with pytest.raises(BfError) as info:
        make_plugin_manager(load_workspace(start=root))
    assert (info.value.file, info.value.line) == ("BUILD.yaml", 4)
    assert "plugin 'no_such_mod_zz' failed to import: ModuleNotFoundError" in info.value.message


def test_same_rule_name_from_two_plugins_names_both():
    manager = make_plugin_manager()
    manager.register(_plugin("first_ext", Rule("twin", {}, _noop)), name="first_ext")
    manager.register(_plugin("second_ext", Rule("twin", {}, _noop)), name="second_ext")
    with pytest.raises(BfError) as info:
        collect_rules(manager)
    message = info.value.message
    assert "rule 'twin' is registered twice" in message
    assert "'first_ext'" in message and "'second_ext'" in message
    assert info.value.hint == "rename one of the rules"


def test_plugin_redefining_a_built_in_rule_names_the_built_in():
    manager = make_plugin_manager()
    manager.register(_plugin("rival", Rule("clang", {}, _noop)), name="rival")
    with pytest.raises(BfError) as info:
        collect_rules(manager)
    assert "rule 'clang' is registered twice" in info.value.message
    assert "'clang'" in info.value.message and "'rival'" in info.value.message


def test_plugin_returning_a_non_rule_raises():
    manager = make_plugin_manager()
    manager.register(_plugin("sloppy", {"name": "dict_rule"}), name="sloppy")
    with pytest.raises(BfError) as info:
        collect_rules(manager)
    assert "plugin 'sloppy' registered {'name': 'dict_rule'}" in info.value.message
    assert "not a bfbuild.loading.rules.Rule" in info.value.message


def test_plugin_returning_nothing_is_allowed():
    before = set(collect_rules(make_plugin_manager()))
    manager = make_plugin_manager()
    module = types.ModuleType("quiet")

    @bfbuild.hookimpl
    def bfbuild_register_rules():
        return None

    module.bfbuild_register_rules = bfbuild_register_rules
    manager.register(module, name="quiet")
    assert manager.has_plugin("quiet")
    assert set(collect_rules(manager)) == before


def test_unknown_attribute_kind_is_refused():
    with pytest.raises(ValueError, match="unknown attribute kind 'text'"):
        Attr("text")


# -- hook specifications ----------------------------------------------------------------------

def _hookspecs():
    return [(name, func) for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(func, "bfbuild_spec")]


def test_hookspecs_are_found():
    names = {name for name, _ in _hookspecs()}
    assert {"bfbuild_register_rules", "bfbuild_addoption", "bfbuild_configure", "bfbuild_loaded",
            "bfbuild_analysis_finished", "bfbuild_build_finished", "bfbuild_test_report"} <= names
    public = {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
              if name.startswith("bfbuild_")}
    assert public == names  # every bfbuild_* function is a hook spec


@pytest.mark.parametrize("name", sorted(name for name, _ in _hookspecs()))
def test_every_hookspec_has_a_docstring(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc and len(doc.strip()) > 20


def test_hooks_are_callable_on_a_manager():
    manager = make_plugin_manager()
    for name, _ in _hookspecs():
        assert hasattr(manager.hook, name)


def test_the_test_report_hook_receives_every_test(tmp_path, monkeypatch, capsys):
    """A workspace plugin sees one bfbuild_test_report per test, with its state."""
    from bfbuild.cli import main

    (tmp_path / "BUILD.yaml").write_text("workspace: hooks\nplugins: [watch.py]\n")
    (tmp_path / "watch.py").write_text(
        "import bfbuild\n"
        "from bfbuild.analysis.providers import DefaultInfo, TestInfo\n"
        "from bfbuild.loading.rules import Rule\n"
        "SEEN = []\n"
        "def _check(ctx):\n"
        "    out = ctx.output('result.json')\n"
        "    ctx.python_action('CHECK', 'bfbuild_unikernel.rules.link:render_template', {'vars': {}},\n"
        "                      inputs=['t/in.j2'], outputs=[out])\n"
        "    return [DefaultInfo((out,)), TestInfo(result=out, log='none')]\n"
        "@bfbuild.hookimpl\n"
        "def bfbuild_register_rules():\n"
        "    return [Rule('check', {}, _check, test=True)]\n"
        "@bfbuild.hookimpl\n"
        "def bfbuild_test_report(report):\n"
        "    print(f'HOOK {report.label} {report.state} {report.passed}')\n")
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "t.yaml").write_text("one:\n  rule: check\n")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "in.j2").write_text("x\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BFBUILD_CACHE_DIR", str(tmp_path / "cache"))
    # The step succeeds but its result records no inputs, so the test counts as failed.
    assert main(["test", "//..."]) == 1
    out = capsys.readouterr().out
    assert out.count("HOOK //t:one ") == 1
    assert "HOOK //t:one FAILED False" in out
