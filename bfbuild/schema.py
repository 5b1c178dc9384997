"""Attribute schemas: what a rule accepts, and the validation that turns YAML into typed values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from .errors import BfError, did_you_mean
from .labels import Label, is_label, parse_label

# Attribute kinds, with the YAML shape each expects (used in error messages and the docs).
KINDS = {
    "string": "a string",
    "int": "an integer",
    "bool": "true or false",
    "string_list": "a list of strings",
    "string_dict": "a mapping of strings to strings",
    "label": "a target label (//pkg:name or :name)",
    "label_list": "a list of target labels",
    "source": "a source file (path relative to the package folder) or a target label",
    "source_list": "a list of source files or target labels",
}


@dataclass(frozen=True)
class Attr:
    """One attribute of a rule: its kind, whether it is required, its default, allowed values."""

    kind: str
    required: bool = False
    default: Any = None
    values: Optional[Sequence[Any]] = None
    doc: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown attribute kind {self.kind!r}; known: {sorted(KINDS)}")

    def empty(self) -> Any:
        """The value of an absent, non-required attribute."""
        if self.default is not None:
            return self.default
        return {"string_list": [], "label_list": [], "source_list": [], "string_dict": {}}.get(
            self.kind)


@dataclass(frozen=True)
class SourceFile:
    """A source file, as a workspace-relative path."""

    path: str

    def __str__(self) -> str:
        return self.path


@dataclass
class Where:
    """Where a value came from, for errors."""

    file: str
    line: int

    def error(self, message: str, hint: Optional[str] = None) -> BfError:
        return BfError(message, file=self.file, line=self.line, hint=hint)


@dataclass
class ValidationContext:
    """What validating a value needs to know about its surroundings."""

    package: str
    where: Where
    source_exists: Callable[[str], bool]
    package_files: Callable[[], Sequence[str]] = field(default=lambda: ())


# How each kind is written, for the hint of a type error.
EXAMPLES = {
    "string": "text", "int": "3", "bool": "true", "string_list": "[a, b]",
    "string_dict": "{KEY: value}", "label": "//pkg:target", "label_list": '["//pkg:a", ":b"]',
    "source": "file.c", "source_list": "[a.c, b.c]",
}


def _type_error(name: str, attr: Attr, value: Any, where: Where) -> BfError:
    got = type(value).__name__ if value is not None else "nothing"
    example = f"write it like '{name}: {EXAMPLES[attr.kind]}'"
    return where.error(f"attribute '{name}' must be {KINDS[attr.kind]}, got {got} {value!r}",
                       hint=f"{attr.doc}; {example}" if attr.doc else example)


def _as_label(text: Any, name: str, attr: Attr, ctx: ValidationContext) -> Label:
    if not isinstance(text, str) or not is_label(text):
        raise _type_error(name, attr, text, ctx.where)
    try:
        return parse_label(text, ctx.package)
    except BfError as exc:
        raise ctx.where.error(exc.message, exc.hint) from None


def _as_source(text: Any, name: str, attr: Attr, ctx: ValidationContext):
    if not isinstance(text, str) or not text:
        raise _type_error(name, attr, text, ctx.where)
    if is_label(text):
        try:
            return parse_label(text, ctx.package)
        except BfError as exc:
            raise ctx.where.error(exc.message, exc.hint) from None
    if text.startswith("/") or ".." in text.split("/"):
        raise ctx.where.error(f"source '{text}' must stay inside its package folder",
                              hint="use a path relative to the package folder, or a label")
    path = f"{ctx.package}/{text}" if ctx.package else text
    if not ctx.source_exists(path):
        hint = did_you_mean(text, ctx.package_files()) or (
            "create the file, fix the path (relative to the package folder), "
            "or name a target that generates it with ':name'")
        raise ctx.where.error(f"attribute '{name}': source file '{path}' does not exist", hint)
    return SourceFile(path)


def validate_value(name: str, attr: Attr, value: Any, ctx: ValidationContext) -> Any:
    """Check one attribute value against its Attr and return the typed value."""
    kind = attr.kind
    if kind == "string":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise _type_error(name, attr, value, ctx.where)
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(name, attr, value, ctx.where)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _type_error(name, attr, value, ctx.where)
    elif kind == "string_list":
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            raise _type_error(name, attr, value, ctx.where)
        value = [str(v) for v in value]
    elif kind == "string_dict":
        if not isinstance(value, dict):
            raise _type_error(name, attr, value, ctx.where)
        for key, item in value.items():
            if isinstance(item, bool) or item is None:
                raise ctx.where.error(f"attribute '{name}': value of '{key}' is {item!r}, not a string",
                                      hint="quote it: YAML reads a bare on/off/yes/no/true/false as a "
                                           "boolean and an empty value as null")
        value = {str(k): str(v) for k, v in value.items()}
    elif kind == "label":
        value = _as_label(value, name, attr, ctx)
    elif kind == "label_list":
        if not isinstance(value, list):
            raise _type_error(name, attr, value, ctx.where)
        value = [_as_label(item, name, attr, _item_ctx(ctx, value, i)) for i, item in enumerate(value)]
    elif kind == "source":
        value = _as_source(value, name, attr, ctx)
    elif kind == "source_list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _type_error(name, attr, value, ctx.where)
        value = [_as_source(item, name, attr, _item_ctx(ctx, value, i)) for i, item in enumerate(value)]
    if attr.values is not None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in attr.values:
                allowed = ", ".join(repr(v) for v in attr.values)
                hint = did_you_mean(str(item), [str(v) for v in attr.values]) or f"allowed: {allowed}"
                raise ctx.where.error(f"attribute '{name}' does not accept {item!r}; allowed: {allowed}", hint)
    return value


def _item_ctx(ctx: ValidationContext, items: Any, index: int) -> ValidationContext:
    line = items.line_of(index) if hasattr(items, "line_of") else ctx.where.line
    return ValidationContext(ctx.package, Where(ctx.where.file, line), ctx.source_exists,
                             ctx.package_files)


def describe_attrs(attrs: dict) -> str:
    """One line per attribute, for 'unknown attribute' errors."""
    parts = []
    for name in sorted(attrs):
        attr = attrs[name]
        flag = " (required)" if attr.required else ""
        parts.append(f"{name}: {attr.kind}{flag}")
    return ", ".join(parts)
