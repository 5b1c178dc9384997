"""Configurations: small immutable maps from axis to value that name output directories.

The core knows no axis of its own: plugins declare them (hook ``bfbuild_axes``), each with its
default, its command-line option and the values it accepts. The declared order fixes the
output directory name, e.g. bfout/<cpu>-<pgo>-<toolchain>/ for the unikernel wing's three axes.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from bfbuild.errors import BfError, did_you_mean

UNUSED = "any"  # stands for an axis a target does not read


@dataclass(frozen=True)
class Axis:
    """A configuration axis a plugin declares.

    name: the key (`--NAME` on the command line, `defaults: {NAME: ...}` in BUILD.yaml).
    default: the value when neither the command line nor the workspace gives one.
    order: the axis's place in output directory names (lower first).
    package: when set, each value names a target of that package (--cpu haswell: //cpus:haswell),
        and the known values are that package's target names.
    choices: a fixed list of the values it accepts...
    values: ...or a function of the analyzer giving them (empty: unchecked).
    """

    name: str
    default: str
    help: str
    order: int = 100
    package: Optional[str] = None
    choices: Tuple[str, ...] = ()
    values: Optional[Callable[[object], Sequence[str]]] = field(default=None, compare=False)


@dataclass(frozen=True)
class Configuration:
    """An immutable map from axis to value. Trimming drops the axes a target does not read.

    `order` is every axis of the session, in directory-name order, so that a trimmed
    configuration still names its folder with `any` in the places of the axes it dropped."""

    items: Tuple[Tuple[str, str], ...]
    order: Tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, str], order: Sequence[str]) -> "Configuration":
        unknown = set(values) - set(order)
        if unknown:
            raise ValueError(f"unknown configuration axes {sorted(unknown)}")
        return cls(tuple((axis, str(values[axis])) for axis in order if axis in values), tuple(order))

    def get(self, axis: str) -> Optional[str]:
        return dict(self.items).get(axis)

    def __getitem__(self, axis: str) -> str:
        value = self.get(axis)
        if value is None:
            raise KeyError(f"configuration {self.name} does not carry axis '{axis}'; "
                           "declare it in the rule's axes")
        return value

    def axes(self) -> FrozenSet[str]:
        return frozenset(axis for axis, _ in self.items)

    def trimmed(self, axes: Iterable[str]) -> "Configuration":
        keep = set(axes)
        return Configuration(tuple(item for item in self.items if item[0] in keep), self.order)

    def with_values(self, **values: str) -> "Configuration":
        return Configuration.of({**dict(self.items), **values}, self.order)

    @property
    def name(self) -> str:
        """The output directory name, e.g. 'i686-off-clang', or 'any-any-any' for none."""
        values = dict(self.items)
        return "-".join(values.get(axis, UNUSED) for axis in self.order) or UNUSED

    def __str__(self) -> str:
        return self.name


def split_values(text: Optional[str]) -> List[str]:
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def configuration_matrix(axes: Sequence[Axis], requested: Mapping[str, Sequence[str]],
                         defaults: Mapping[str, str],
                         known: Mapping[str, Sequence[str]]) -> List[Configuration]:
    """Every combination of the requested axis values; unset axes take the workspace default.

    known: the allowed values per axis, for 'did you mean' on a typo.
    """
    order = tuple(axis.name for axis in axes)
    per_axis: List[List[str]] = []
    for axis in axes:
        values = list(requested.get(axis.name) or [defaults.get(axis.name, axis.default)])
        allowed = known.get(axis.name)
        for value in values:
            # A workspace with no values for an axis (no //cpus package) cannot be checked here;
            # a rule that reads the axis reports the missing target itself.
            if allowed and value not in allowed:
                hint = did_you_mean(value, allowed) or f"known values: {', '.join(allowed)}"
                raise BfError(f"unknown --{axis.name} value '{value}'", hint=hint)
        per_axis.append(list(dict.fromkeys(values)))
    return [Configuration(tuple(zip(order, combo)), order) for combo in itertools.product(*per_axis)]


def check_defaults(axes: Sequence[Axis], given, file: str) -> Dict[str, str]:
    """The workspace's `defaults:` mapping, checked against the declared axes."""
    names = [axis.name for axis in axes]
    defaults = {axis.name: axis.default for axis in axes}
    for name, value in (given or {}).items():
        if name not in names:
            hint = did_you_mean(str(name), names) or f"axes: {', '.join(names) or 'none declared'}"
            raise BfError(f"unknown configuration axis '{name}'", file=file,
                          line=given.line_of(name), hint=hint)
        if isinstance(value, bool):  # YAML 1.1 reads a bare off/on as a boolean
            value = "on" if value else "off"
        defaults[name] = str(value)
    return defaults


def sorted_axes(declared: Iterable[Axis]) -> List[Axis]:
    axes = sorted(declared, key=lambda axis: (axis.order, axis.name))
    seen: Dict[str, Axis] = {}
    for axis in axes:
        if axis.name in seen:
            raise BfError(f"two plugins declare the configuration axis '{axis.name}'")
        seen[axis.name] = axis
    return axes
