"""Attribute schemas: what a rule accepts, and the validation that turns YAML into typed values."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from bfbuild.errors import BfError, describe_value, did_you_mean, excerpt
from bfbuild.labels import Label, is_label, parse_label
from bfbuild.loading.type_errors import KINDS, _is_number, _quote_hint, _type_error  # noqa: F401

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
    # The value as written in the YAML file, when it is a number, true/false or a date: the
    # "quote it" hint shows it as the user wrote it (1.10, yes), not as Python reads it.
    raw_text: Optional[str] = None


# How each kind is written, for the hint of a type error.
def _as_label(text: Any, name: str, attr: Attr, ctx: ValidationContext,
              item: Optional[int] = None) -> Label:
    if not isinstance(text, str) or not is_label(text):
        raise _type_error(name, attr, text, ctx, item)
    try:
        return parse_label(text, ctx.package)
    except BfError as exc:
        raise ctx.where.error(exc.message, exc.hint) from None


def _control_character(text: str) -> Optional[str]:
    """The first control character of text (newline, tab, NUL, DEL, U+2028...), or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return None


def _as_source(text: Any, name: str, attr: Attr, ctx: ValidationContext,
               item: Optional[int] = None):
    if not isinstance(text, str) or not text:
        raise _type_error(name, attr, text, ctx, item)
    if is_label(text):
        try:
            return parse_label(text, ctx.package)
        except BfError as exc:
            raise ctx.where.error(exc.message, exc.hint) from None
    bad = _control_character(text)
    if bad is not None:
        raise ctx.where.error(
            f"attribute '{name}': file name {excerpt(text)} holds the control character "
            f"{bad!r} (U+{ord(bad):04X})",
            hint="file names may not hold control characters (newline, tab, NUL...); rename the "
                 "file (spaces, quotes, '$', '#' and non-ASCII letters are fine)")
    if text.startswith("/") or ".." in text.split("/"):
        raise ctx.where.error(f"source {excerpt(text)} must stay inside its package folder",
                              hint="use a path relative to the package folder, or a label")
    path = f"{ctx.package}/{text}" if ctx.package else text
    if not ctx.source_exists(path):
        hint = did_you_mean(text, ctx.package_files()) or (
            "create the file, fix the path (relative to the package folder), "
            "or name a target that generates it with ':name'")
        raise ctx.where.error(f"attribute '{name}': source file {excerpt(path)} does not exist", hint)
    return SourceFile(path)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def validate_value(name: str, attr: Attr, value: Any, ctx: ValidationContext) -> Any:
    """Check one attribute value against its Attr and return the typed value.

    The type rule (docs/write-a-rule.md, "Attribute types"): a string attribute and the items of
    a string list take YAML strings only, never a number, true/false, a date or an empty value
    (quote it); a string_dict maps names to strings or numbers (a number becomes its decimal
    text); a list attribute takes a list, never a lone string."""
    kind = attr.kind
    if kind == "string":
        if not _is_text(value):
            raise _type_error(name, attr, value, ctx)
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(name, attr, value, ctx)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise _type_error(name, attr, value, ctx)
    elif kind == "string_list":
        if not isinstance(value, list):
            raise _type_error(name, attr, value, ctx)
        for index, item in enumerate(value):
            if not _is_text(item):
                raise _type_error(name, attr, item, _item_ctx(ctx, value, index), item=index)
        value = list(value)
    elif kind == "string_dict":
        if not isinstance(value, dict):
            raise _type_error(name, attr, value, ctx)
        for key, item in value.items():
            key_ctx = _key_ctx(ctx, value, key)
            if not _is_text(key):
                written = getattr(value, "key_text", lambda _: None)(key)
                raise key_ctx.where.error(
                    f"attribute '{name}': the name {excerpt(key)} must be a string",
                    hint=_quote_hint(None, key, _raw_ctx(key_ctx, written)))
            if not (_is_text(item) or _is_number(item)):
                raise key_ctx.where.error(
                    f"attribute '{name}': the value of {excerpt(key)} must be a string or a number, "
                    f"got {describe_value(item)}",
                    hint=_quote_hint(str(key), item, _raw_ctx(key_ctx, _text_of(value, key))))
        value = {str(k): str(v) for k, v in value.items()}
    elif kind == "label":
        value = _as_label(value, name, attr, ctx)
    elif kind == "label_list":
        if not isinstance(value, list):
            raise _type_error(name, attr, value, ctx)
        value = [_as_label(item, name, attr, _item_ctx(ctx, value, i), i) for i, item in enumerate(value)]
    elif kind == "source":
        value = _as_source(value, name, attr, ctx)
    elif kind == "source_list":
        if not isinstance(value, list):
            raise _type_error(name, attr, value, ctx)
        value = [_as_source(item, name, attr, _item_ctx(ctx, value, i), i) for i, item in enumerate(value)]
    if attr.values is not None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item not in attr.values:
                allowed = ", ".join(repr(v) for v in attr.values)
                hint = did_you_mean(str(item), [str(v) for v in attr.values]) or \
                    "write one of the allowed values"
                raise ctx.where.error(f"attribute '{name}' does not accept {excerpt(item)}; "
                                      f"allowed: {allowed}", hint)
    return value


def _text_of(container: Any, key: Any) -> Optional[str]:
    """The YAML text of a non-string scalar of container, as the loader kept it, or None."""
    text_of = getattr(container, "text_of", None)
    return text_of(key) if text_of else None


def _raw_ctx(ctx: ValidationContext, raw_text: Optional[str]) -> ValidationContext:
    return ValidationContext(ctx.package, ctx.where, ctx.source_exists, ctx.package_files, raw_text)


def _key_ctx(ctx: ValidationContext, mapping: Any, key: Any) -> ValidationContext:
    line = mapping.line_of(key) if hasattr(mapping, "line_of") else ctx.where.line
    return ValidationContext(ctx.package, Where(ctx.where.file, line), ctx.source_exists,
                             ctx.package_files, None)


def _item_ctx(ctx: ValidationContext, items: Any, index: int) -> ValidationContext:
    line = items.line_of(index) if hasattr(items, "line_of") else ctx.where.line
    return ValidationContext(ctx.package, Where(ctx.where.file, line), ctx.source_exists,
                             ctx.package_files, _text_of(items, index))


def describe_attrs(attrs: dict) -> str:
    """One line per attribute, for 'unknown attribute' errors."""
    parts = []
    for name in sorted(attrs):
        attr = attrs[name]
        flag = " (required)" if attr.required else ""
        parts.append(f"{name}: {attr.kind}{flag}")
    return ", ".join(parts)
