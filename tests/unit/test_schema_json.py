"""The JSON Schema of the workspace's YAML files (docs/bfbuild.schema.json): current with the
rules, valid for every file of this workspace, and strict where bfbuild is."""
import json
from pathlib import Path

import pytest
import yaml

from bfbuild.plugins import collect_axes, collect_mapping, collect_rules, make_plugin_manager
import jsonschema
from bfbuild.commands import builtin
from bfbuild.commands.schema_json import dumps, workspace_schema
from bfbuild.loading.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "docs" / "bfbuild.schema.json"


@pytest.fixture(scope="module")
def schema():
    plugins = make_plugin_manager(load_workspace(REPO), builtins=[("bfbuild.commands", builtin)])
    return workspace_schema(collect_rules(plugins), collect_axes(plugins),
                            collect_mapping(plugins, "bfbuild_workspace_settings"))


def _where(path) -> str:
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def validate(data, schema):
    """Every problem jsonschema finds, as 'PATH: message', sub-schemas' reasons included."""
    problems = []
    stack = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    while stack:
        error = stack.pop()
        problems.append(f"{_where(error.absolute_path)}: {error.message}")
        stack.extend(error.context or ())
    return problems


def workspace_yaml_files():
    workspace = load_workspace(REPO)
    return sorted({"BUILD.yaml", *workspace.package_files().values()})


def test_the_shipped_schema_is_current(schema):
    assert SHIPPED.read_text() == dumps(schema), (
        "docs/bfbuild.schema.json is out of date: run 'bfbuild schema -o docs/bfbuild.schema.json'")


def test_the_command_writes_the_same_schema(run_cli, tmp_path):
    rc, _, err = run_cli(REPO, "schema", "-o", str(tmp_path / "s.json"))
    assert rc == 0, err
    assert (tmp_path / "s.json").read_text() == SHIPPED.read_text()


@pytest.mark.parametrize("relative", workspace_yaml_files())
def test_every_yaml_file_of_the_workspace_is_valid(schema, relative):
    data = yaml.safe_load((REPO / relative).read_text())
    assert validate(data, schema) == []


def test_both_kinds_of_file_are_covered(schema):
    files = workspace_yaml_files()
    assert "BUILD.yaml" in files and "targets/images.yaml" in files and "modules/sum/BUILD.yaml" in files
    assert set(schema["$defs"]["workspace"]["properties"]) == {"workspace", "plugins", "defaults",
                                                              "targets", "pgo", "server"}


BAD = [
    ("a:\n  rule: embed-module\n  srcs: [a.c]\n  linker_script: //k:ld\n  opt: O7\n", "$.a.opt", "is not one of"),
    ("a:\n  rule: asm\n  srcs: x.asm\n", "$.a", "'srcs' was unexpected"),
    ("a:\n  rule: asm\n", "$.a", "'src' is a required property"),
    ("a:\n  rule: nope\n", "$.a.rule", "is not one of"),
    ("a:\n  srcs: [a.c]\n", "$.a", "'rule' is a required property"),
    ("a:\n  rule: boot-test\n  image: images/x\n", "$.a.image", "does not match"),
    ("a:\n  rule: boot-test\n  image: :x\n  timeout: soon\n", "$.a.timeout", "is not of type 'integer'"),
    ("a:\n  rule: clang\n  srcs: [a.c]\n  defines: {X: [1]}\n", "$.a.defines.X", "not of type"),
    ("bad name:\n  rule: filegroup\n", "$", "'bad name' does not match"),
    ("workspace: w\nplugin: []\n", "$", "'plugin' was unexpected"),
    ("workspace: w\ndefaults: {pgo: sometimes}\n", "$.defaults.pgo", "is not one of"),
    ("workspace: w\npgo: {t_calls: 0}\n", "$.pgo.t_calls", "less than the minimum of 1"),
]


@pytest.mark.parametrize("text, path, problem", BAD)
def test_mistakes_are_reported_with_their_path(schema, text, path, problem):
    problems = validate(yaml.safe_load(text), schema)
    assert any(p.startswith(path + ":") and problem in p for p in problems), problems


def test_descriptions_defaults_and_enums_come_from_the_rules(schema):
    asm = schema["$defs"]["rule-asm"]
    assert asm["required"] == ["rule", "src"]
    assert asm["properties"]["format"]["enum"] == ["bin", "elf32"]
    assert asm["properties"]["format"]["default"] == "elf32"
    assert "boot sectors" in asm["properties"]["format"]["description"]
    assert asm["description"].startswith("asm: assemble one NASM source")


def test_the_schema_is_a_valid_draft_2020_12_schema(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
