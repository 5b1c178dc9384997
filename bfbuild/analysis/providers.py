"""Providers: the typed facts a rule hands to the rules that depend on it.

A rule returns a list of provider objects; a dependant asks for one by type
(`ctx.dep(label).get(ObjectsInfo)`). Plugins may define their own dataclasses the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class DefaultInfo:
    """The files a target builds: what `bfbuild build` reports and a `source` attribute takes."""

    files: Tuple[str, ...] = ()


@dataclass(frozen=True)
class TestInfo:
    """A test's result file, written only when the test passed."""

    result: str
    log: str
    image: Optional[str] = None


@dataclass(frozen=True)
class TestReport:
    """What the bfbuild_test_report hook receives for each test."""

    label: str
    config: str
    state: str  # PASSED, PASSED (cached), FAILED, NOT RUN
    log: str

    @property
    def passed(self) -> bool:
        return self.state.startswith("PASSED")
