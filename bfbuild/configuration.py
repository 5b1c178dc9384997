"""Configurations: small immutable maps (cpu, pgo, toolchain) that name output directories."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from .errors import BfError, did_you_mean

# Axis order fixes the output directory name: bfout/<cpu>-<pgo>-<toolchain>/...
AXES: Tuple[str, ...] = ("cpu", "pgo", "toolchain")
# off: each module at its own level; instrument: the image whose profile is recorded (modules
# with clang's counters when their registry asks for IR PGO); on: levels classified from the
# checked-in profile; ir: own levels, optimised with the checked-in clang profiles (docs/pgo.md).
PGO_MODES = ("off", "instrument", "on", "ir")
UNUSED = "any"  # stands for an axis a target does not read


@dataclass(frozen=True)
class Configuration:
    """An immutable map from axis to value. Trimming drops the axes a target does not read."""

    items: Tuple[Tuple[str, str], ...]

    @classmethod
    def of(cls, values: Mapping[str, str]) -> "Configuration":
        unknown = set(values) - set(AXES)
        if unknown:
            raise ValueError(f"unknown configuration axes {sorted(unknown)}")
        return cls(tuple((axis, str(values[axis])) for axis in AXES if axis in values))

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
        return Configuration(tuple(item for item in self.items if item[0] in keep))

    @property
    def name(self) -> str:
        """The output directory name, e.g. 'i686-off-clang', or 'any-any-any' for none."""
        values = dict(self.items)
        return "-".join(values.get(axis, UNUSED) for axis in AXES)

    def __str__(self) -> str:
        return self.name


def split_values(text: Optional[str]) -> List[str]:
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def configuration_matrix(requested: Mapping[str, Sequence[str]], defaults: Mapping[str, str],
                         known: Mapping[str, Sequence[str]]) -> List[Configuration]:
    """Every combination of the requested axis values; unset axes take the workspace default.

    known: the allowed values per axis, for 'did you mean' on a typo.
    """
    per_axis: List[List[str]] = []
    for axis in AXES:
        values = list(requested.get(axis) or [defaults[axis]])
        allowed = known.get(axis)
        for value in values:
            # A workspace with no values for an axis (no //cpus package) cannot be checked here;
            # a rule that reads the axis reports the missing target itself.
            if allowed and value not in allowed:
                hint = did_you_mean(value, allowed) or f"known values: {', '.join(allowed)}"
                raise BfError(f"unknown --{axis} value '{value}'", hint=hint)
        per_axis.append(list(dict.fromkeys(values)))
    return [Configuration(tuple(zip(AXES, combo))) for combo in itertools.product(*per_axis)]


def default_configuration(defaults: Dict[str, str]) -> Configuration:
    return Configuration.of({axis: defaults[axis] for axis in AXES})
