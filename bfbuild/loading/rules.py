"""The Rule value object: what a rule plugin registers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Optional

from bfbuild.loading.schema import Attr

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
    # When the axes depend on a target's attributes (a clang target marked `baseline: true` does
    # not read the cpu axis): attrs -> axes. None means `axes` for every target.
    axes_of: Optional[Callable[[Dict[str, object]], FrozenSet[str]]] = None

    def all_attrs(self) -> Dict[str, Attr]:
        return {**COMMON_ATTRS, **self.attrs}

    def axes_for(self, attrs: Dict[str, object]) -> FrozenSet[str]:
        return frozenset(self.axes_of(attrs)) if self.axes_of else self.axes
