"""Bazel-style labels (//pkg:name, :name) and target patterns (//pkg/..., //..., //pkg:all)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from bfbuild.errors import BfError

_PACKAGE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+\-]*$")


@dataclass(frozen=True, order=True)
class Label:
    """A target's name: package path (no leading //, '' for the root) and target name."""

    package: str
    name: str

    def __str__(self) -> str:
        return f"//{self.package}:{self.name}"

    @property
    def key(self) -> str:
        """A filesystem-safe relative path for outputs of this target."""
        return f"{self.package}/{self.name}" if self.package else self.name


def is_label(text: str) -> bool:
    """True when an attribute string names a target rather than a source file."""
    return text.startswith("//") or text.startswith(":")


def _check_package(package: str, text: str) -> None:
    if package and not _PACKAGE_RE.match(package):
        raise BfError(f"invalid package name in label '{text}'",
                      hint="packages are folder paths of letters, digits, '_', '-', '.'")


def _check_name(name: str, text: str) -> None:
    if not _NAME_RE.match(name):
        raise BfError(f"invalid target name in label '{text}'",
                      hint="target names are letters, digits and '_', '-', '.', '+'")


def parse_label(text: str, current_package: Optional[str] = None) -> Label:
    """Parse '//pkg:name', '//pkg' (name = last folder) or ':name' (needs current_package)."""
    text = text.strip()
    if text.startswith("//"):
        body = text[2:]
        if ":" in body:
            package, name = body.split(":", 1)
        else:
            package, name = body, body.rsplit("/", 1)[-1]
            if not name:
                raise BfError(f"label '{text}' names no target", hint="write //pkg:name")
    elif text.startswith(":"):
        if current_package is None:
            raise BfError(f"relative label '{text}' used outside a package",
                          hint="write the absolute form //pkg:name")
        package, name = current_package, text[1:]
    else:
        raise BfError(f"'{text}' is not a label", hint="labels look like //pkg:name or :name")
    _check_package(package, text)
    _check_name(name, text)
    return Label(package, name)


@dataclass(frozen=True)
class Pattern:
    """A target pattern: one label, every target of a package, or a package subtree."""

    package: str
    name: Optional[str] = None  # one target
    recursive: bool = False  # //pkg/...

    def matches(self, label: Label) -> bool:
        if self.recursive:
            return (not self.package or label.package == self.package
                    or label.package.startswith(self.package + "/"))
        if label.package != self.package:
            return False
        return self.name is None or self.name == label.name

    def __str__(self) -> str:
        if self.recursive:
            return f"//{self.package}/..." if self.package else "//..."
        return f"//{self.package}:{self.name or 'all'}"


def parse_pattern(text: str, current_package: str = "") -> Pattern:
    """Parse a command-line target pattern. As in Bazel, a pattern without `//` is relative to
    the package of the current folder: `:name`, `:all`, `...`, `sub:name`, `sub/...`."""
    text = text.strip()
    if not text.startswith("//"):
        if not text or text.startswith("/"):
            raise BfError(f"'{text}' is not a target pattern",
                          hint="write //pkg:name, //pkg:all, //pkg/... or //...")
        prefix = f"{current_package}/" if current_package else ""
        if text.startswith(":"):
            text = f"//{current_package}{text}"
        else:
            text = f"//{prefix}{text}"
    body = text[2:]
    if body == "...":
        return Pattern("", recursive=True)
    if body.endswith("/..."):
        package = body[: -len("/...")]
        _check_package(package, text)
        return Pattern(package, recursive=True)
    if body.endswith(":all") or body.endswith(":*"):
        package = body.rsplit(":", 1)[0]
        _check_package(package, text)
        return Pattern(package)
    label = parse_label(text)
    return Pattern(label.package, label.name)
