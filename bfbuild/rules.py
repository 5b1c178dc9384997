"""The Rule value object: what a rule plugin registers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet

from .schema import Attr

# Every target accepts these, whatever its rule.
COMMON_ATTRS: Dict[str, Attr] = {
    "rule": Attr("string", required=True, doc="the rule that builds this target"),
    "doc": Attr("string", default="", doc="a line saying what the target is"),
    "tags": Attr("string_list", doc="free-form tags, matched by 'bfbuild query attr(tags, ...)'"),
}


@dataclass(frozen=True)
class Rule:
    """A kind of target.

    attrs: the attribute schema (besides COMMON_ATTRS).
    implementation: called once per target and configuration with a RuleContext; declares actions
        through the context and returns the providers its dependants may read.
    axes: the configuration axes this rule reads itself (for example {"cpu", "toolchain"}); a
        target's configuration is trimmed to its own axes and those of its dependencies, so an
        action that ignores an axis exists once in a matrix.
    test: `bfbuild test` runs targets of test rules.
    """

    name: str
    attrs: Dict[str, Attr]
    implementation: Callable
    axes: FrozenSet[str] = field(default_factory=frozenset)
    doc: str = ""
    test: bool = False

    def all_attrs(self) -> Dict[str, Attr]:
        return {**COMMON_ATTRS, **self.attrs}
