"""A JSON Schema (draft 2020-12) for the workspace's YAML files, made from the rules' attributes.

One schema covers both kinds of file: the root BUILD.yaml (it has a `workspace:` key) and package
files (targets/*.yaml, BUILD.yaml beside sources), which map target names to targets. A target's
schema is chosen by its `rule:` value. Editors with a YAML language server use it to complete and
check attributes while typing; bfbuild itself validates with bfbuild.loading.schema when loading.
"""
from __future__ import annotations

import json
from typing import Dict, Mapping, Optional, Sequence

from bfbuild.loading.rules import Rule
from bfbuild.loading.schema import KINDS, Attr

DRAFT = "https://json-schema.org/draft/2020-12/schema"
TARGET_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.+\-]*$"  # bfbuild.labels._NAME_RE
LABEL = r"^(//|:)"  # bfbuild.labels.is_label
RULE_PREFIX = "rule-"  # $defs/rule-<name>: the schema of one rule's targets

# The JSON shape of each attribute kind, as bfbuild.loading.schema.validate_value accepts it (the type
# rule of docs/write-a-rule.md): a string attribute and the items of a string list take strings
# only, a string_dict's values may also be numbers, a list attribute takes a list only.
_STRING = {"type": "string"}
_SOURCE = {"type": "string", "minLength": 1}
_LABEL = {"type": "string", "pattern": LABEL}
_SHAPES = {
    "string": _STRING,
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "string_list": {"type": "array", "items": _STRING},
    "string_dict": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
    "label": _LABEL,
    "label_list": {"type": "array", "items": _LABEL},
    "source": _SOURCE,
    "source_list": {"type": "array", "items": _SOURCE},
}
_LISTS = {"string_list", "label_list", "source_list"}
assert set(_SHAPES) == set(KINDS), "every attribute kind needs a JSON shape"


def attr_schema(attr: Attr) -> Dict:
    shape = json.loads(json.dumps(_SHAPES[attr.kind]))  # a copy the caller may change
    if attr.values is not None:
        values = list(attr.values)
        if attr.kind in _LISTS:
            shape = {"type": "array", "items": {"enum": values}}
        else:
            shape = {"enum": values}
    description = KINDS[attr.kind] + (f": {attr.doc}" if attr.doc else "")
    shape["description"] = description
    if attr.default is not None:
        shape["default"] = attr.default
    return shape


def rule_schema(rule: Rule) -> Dict:
    attrs = rule.all_attrs()
    properties = {name: attr_schema(attr) for name, attr in attrs.items()}
    properties["rule"] = {"const": rule.name, "description": "the rule that builds this target"}
    schema = {"type": "object", "description": _first_line(rule.doc) or f"a '{rule.name}' target",
              "properties": properties, "additionalProperties": False}
    required = sorted(name for name, attr in attrs.items() if attr.required)
    if required:
        schema["required"] = required
    return schema


def _first_line(text: str) -> str:
    return (text or "").strip().split("\n\n")[0].replace("\n", " ")


def _target_schema(rules: Mapping[str, Rule]) -> Dict:
    """`rule:` picks the rule's schema (if/then, so an editor reports the attribute that is
    wrong rather than 'matches none of N schemas')."""
    names = sorted(rules)
    return {"type": "object", "description": "a target: a rule and its attributes",
            "required": ["rule"],
            "properties": {"rule": {"enum": names, "description": "the rule that builds this target"}},
            "allOf": [{"if": {"properties": {"rule": {"const": name}}, "required": ["rule"]},
                       "then": {"$ref": f"#/$defs/{RULE_PREFIX}{name}"}} for name in names]}


def _axis_schema(axis) -> Dict:
    if axis.package:
        return {"type": "string", "description": f"a target of //{axis.package}"}
    values = list(axis.choices)
    if not values:
        return {"type": "string", "description": axis.help}
    # YAML 1.1 reads a bare off/on as a boolean; bfbuild takes it back.
    return {"anyOf": [{"enum": values}, {"type": "boolean"}],
            "description": f"one of {', '.join(values)} (quote \"off\")"}


def _workspace_schema(axes: Sequence, settings: Mapping[str, object]) -> Dict:
    return {
        "type": "object", "description": "the root BUILD.yaml of a workspace",
        "required": ["workspace"], "additionalProperties": False,
        "properties": {
            "workspace": {"type": "string", "minLength": 1, "description": "the workspace's name"},
            "plugins": {"type": "array", "items": {"type": "string"},
                        "description": "workspace-local plugins: module names or .py paths"},
            "defaults": {
                "type": "object", "additionalProperties": False,
                "description": "the configuration used when the command line does not choose one",
                "properties": {axis.name: _axis_schema(axis) for axis in axes}},
            "targets": {"$ref": "#/$defs/package", "description": "targets of the root package"},
            # Plugins' own root keys: a check function may carry its JSON Schema.
            **{key: getattr(check, "json_schema", {}) for key, check in sorted(settings.items())},
        },
    }


def workspace_schema(rules: Mapping[str, Rule], axes: Sequence = (),
                     settings: Optional[Mapping[str, object]] = None) -> Dict:
    """The schema of every YAML file bfbuild reads, for the given rules, axes and settings."""
    return {
        "$schema": DRAFT,
        "title": "bfbuild workspace and package files",
        "description": "Generated by `bfbuild schema` from the rules' attribute schemas; "
                       "regenerate it after changing a rule.",
        "if": {"type": "object", "required": ["workspace"]},
        "then": {"$ref": "#/$defs/workspace"},
        "else": {"$ref": "#/$defs/package"},
        "$defs": {
            "workspace": _workspace_schema(axes, settings or {}),
            "package": {"type": ["object", "null"], "description": "target name -> target",
                        "propertyNames": {"pattern": TARGET_NAME},
                        "additionalProperties": {"$ref": "#/$defs/target"}},
            "target": _target_schema(rules),
            **{RULE_PREFIX + name: rule_schema(rules[name]) for name in sorted(rules)},
        },
    }


def dumps(schema: Dict) -> str:
    """Stable text: the shipped file is compared with a fresh one byte for byte."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
