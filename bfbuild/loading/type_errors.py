"""Type errors of attribute values: what was expected, what was written (a short excerpt, in YAML
words, never Python's type names), and the fix, written the way YAML wants it."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from bfbuild.errors import BfError, clip, describe_value, did_you_mean

# Attribute kinds, with the YAML shape each expects (used in error messages and the docs).
KINDS = {
    "string": "a string",
    "int": "an integer",
    "bool": "true or false",
    "string_list": "a list of strings",
    "string_dict": "a mapping of names to strings or numbers",
    "label": "a target label (//pkg:name or :name)",
    "label_list": "a list of target labels",
    "source": "a source file (path relative to the package folder) or a target label",
    "source_list": "a list of source files or target labels",
}

EXAMPLES = {
    "string": "text", "int": "3", "bool": "true", "string_list": "[a, b]",
    "string_dict": "{KEY: value}", "label": "//pkg:target", "label_list": '["//pkg:a", ":b"]',
    "source": "file.c", "source_list": "[a.c, b.c]",
}
_LIST_KINDS = ("string_list", "label_list", "source_list")


def _yaml_scalar(text: str, numbers_ok: bool = False) -> str:
    """text as a YAML flow item: plain when that reads back as the same string (or, with
    numbers_ok, as a number whose text it is), else double-quoted."""
    import json

    from bfbuild.loading.yamlload import load_yaml

    try:
        read = load_yaml(f"[{text}]", "<hint>") if text and text == text.strip() else None
    except BfError:
        read = None
    plain = read == [text] or (numbers_ok and isinstance(read, list) and len(read) == 1
                                and _is_number(read[0]) and str(read[0]) == text)
    return text if plain else json.dumps(text, ensure_ascii=False)


def _quote_hint(name: Optional[str], value: Any, ctx) -> str:
    """'quote it: NAME: "TEXT"' (or 'quote it: "TEXT"' without a name), with the text as
    written when the loader kept it."""
    text = ctx.raw_text if ctx.raw_text is not None else (
        "true" if value is True else "false" if value is False else str(value))
    text = clip(text, 40)
    if value is None:
        return "an empty value is null in YAML: write the text, or remove the attribute"
    if isinstance(value, bool):
        why = "YAML reads a bare yes, no, on, off, true or false as a boolean"
    elif isinstance(value, datetime.date):
        why = "YAML reads it as a date"
    else:
        why = "YAML reads it as a number"
    return f'quote it: {name + ": " if name else ""}"{text}" ({why})'


def _type_error(name: str, attr, value: Any, ctx,
                item: Optional[int] = None) -> BfError:
    """Type errors quote at most a short excerpt of the value and name YAML shapes, never
    Python types."""
    expected = KINDS[attr.kind]
    if attr.values is not None and attr.kind not in _LIST_KINDS:
        expected = "one of " + ", ".join(repr(v) for v in attr.values)
    got = describe_value(value)
    where = f"item {item + 1} of attribute '{name}'" if item is not None else f"attribute '{name}'"
    if item is not None:
        expected = {"string_list": "a string", "label_list": "a target label (//pkg:name or :name)",
                    "source_list": KINDS["source"]}.get(attr.kind, expected)
    message = f"{where} must be {expected}, got {got}"
    scalar = value is None or isinstance(value, (bool, int, float, datetime.date))
    if attr.values is not None and not isinstance(value, (list, dict)):
        hint = did_you_mean(str(value), [str(v) for v in attr.values]) or \
            f"write one of them, e.g. '{name}: {attr.values[0]}'"
    elif scalar and attr.kind in ("string", "source"):
        hint = _quote_hint(name, value, ctx)
    elif scalar and item is not None and attr.kind in ("string_list", "source_list"):
        hint = _quote_hint(None, value, ctx)
    elif attr.kind in _LIST_KINDS and isinstance(value, str) and item is None:
        hint = f"write it as a list: {name}: [{_yaml_scalar(clip(value, 40))}]"
    elif attr.kind == "string_dict" and isinstance(value, list) and value and \
            all(isinstance(v, str) and "=" in v for v in value):
        pairs = [v.split("=", 1) for v in value[:3]]
        more = ", ..." if len(value) > 3 else ""
        hint = "write it as a mapping: " + name + ": {" + ", ".join(
            f"{_yaml_scalar(clip(k, 30))}: {_yaml_scalar(clip(v, 30), True)}" for k, v in pairs) + \
            more + "}"
    elif attr.kind == "int" and isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        hint = f"remove the quotes: {name}: {value.strip()}"
    else:
        hint = f"write it like '{name}: {EXAMPLES[attr.kind]}'"
    if attr.doc:
        hint = f"{attr.doc}; {hint}"
    return ctx.where.error(message, hint=hint)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
