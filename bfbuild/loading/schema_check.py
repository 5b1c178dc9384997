"""A small JSON Schema validator for the subset bfbuild.commands.schema_json writes.

It keeps the shipped schema checkable without a new dependency. A keyword outside the subset is
an error rather than silently ignored, so the schema cannot grow past what this checks.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

ANNOTATIONS = {"$schema", "$defs", "title", "description", "default"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(instance: Any, schema: Dict) -> List[str]:
    """Problems of `instance` against `schema` (the root, for $ref), each naming a JSON path."""
    return _Validator(schema).check(instance, schema, "$")


class _Validator:
    def __init__(self, root: Dict):
        self.root = root

    def resolve(self, ref: str) -> Dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, not {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def check(self, value: Any, schema: Dict, path: str) -> List[str]:
        unknown = set(schema) - ANNOTATIONS - set(_KEYWORDS)
        if unknown:
            raise ValueError(f"schema keyword(s) outside the supported subset: {sorted(unknown)}")
        problems: List[str] = []
        for keyword in _KEYWORDS:
            if keyword in schema:
                problems += _KEYWORDS[keyword](self, value, schema, path)
        return problems


def _ref(v, value, schema, path):
    return v.check(value, v.resolve(schema["$ref"]), path)


def _type(v, value, schema, path):
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if any(_TYPES[t](value) for t in types):
        return []
    return [f"{path}: {value!r} is not of type {' or '.join(types)}"]


def _enum(v, value, schema, path):
    ok = any(value == option and type(value) is type(option) for option in schema["enum"])
    return [] if ok else [f"{path}: {value!r} is not one of {schema['enum']}"]


def _const(v, value, schema, path):
    return [] if value == schema["const"] else [f"{path}: {value!r} is not {schema['const']!r}"]


def _properties(v, value, schema, path):
    if not isinstance(value, dict):
        return []
    return [p for key, sub in schema["properties"].items() if key in value
            for p in v.check(value[key], sub, f"{path}.{key}")]


def _additional(v, value, schema, path):
    if not isinstance(value, dict):
        return []
    extra = [key for key in value if key not in schema.get("properties", {})]
    rule = schema["additionalProperties"]
    if rule is False:
        return [f"{path}: unknown key {key!r}" for key in extra]
    if rule is True:
        return []
    return [p for key in extra for p in v.check(value[key], rule, f"{path}.{key}")]


def _required(v, value, schema, path):
    if not isinstance(value, dict):
        return []
    return [f"{path}: missing required key {key!r}" for key in schema["required"] if key not in value]


def _property_names(v, value, schema, path):
    if not isinstance(value, dict):
        return []
    return [p for key in value for p in v.check(key, schema["propertyNames"], f"{path}[{key!r}]")]


def _items(v, value, schema, path):
    if not isinstance(value, list):
        return []
    return [p for i, item in enumerate(value) for p in v.check(item, schema["items"], f"{path}[{i}]")]


def _pattern(v, value, schema, path):
    if not isinstance(value, str) or re.search(schema["pattern"], value):
        return []
    return [f"{path}: {value!r} does not match {schema['pattern']!r}"]


def _min_length(v, value, schema, path):
    if isinstance(value, str) and len(value) < schema["minLength"]:
        return [f"{path}: {value!r} is shorter than {schema['minLength']}"]
    return []


def _minimum(v, value, schema, path):
    if _TYPES["number"](value) and value < schema["minimum"]:
        return [f"{path}: {value!r} is less than {schema['minimum']}"]
    return []


def _any_of(v, value, schema, path):
    results = [v.check(value, sub, path) for sub in schema["anyOf"]]
    if any(not r for r in results):
        return []
    return [f"{path}: matches none of the allowed shapes: " + "; ".join(r[0] for r in results)]


def _all_of(v, value, schema, path):
    return [p for sub in schema["allOf"] for p in v.check(value, sub, path)]


def _if(v, value, schema, path):
    branch = "then" if not v.check(value, schema["if"], path) else "else"
    return v.check(value, schema[branch], path) if branch in schema else []


_KEYWORDS = {
    "$ref": _ref, "type": _type, "enum": _enum, "const": _const, "properties": _properties,
    "additionalProperties": _additional, "required": _required, "propertyNames": _property_names,
    "items": _items, "pattern": _pattern, "minLength": _min_length, "minimum": _minimum,
    "anyOf": _any_of, "allOf": _all_of, "if": _if,
    "then": lambda *a: [], "else": lambda *a: [],  # applied by "if"
}
