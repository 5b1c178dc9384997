"""Module results printed by the kernel, compared with the values the host computed.

The kernel prints one line per module that ran:
    RESULT <name> source=<embedded|disk> opt=<O2> cpu=<tag> | <result text>
The host's expectation for a module is a text and a tolerance: tokens are compared one by one;
integer tokens may differ by at most the tolerance (float results are printed scaled to
integers), other tokens must be equal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Sequence

RESULT_LINE = re.compile(r"^RESULT (?P<name>\S+) (?P<meta>.*?) \| (?P<text>.*)$")


@dataclass(frozen=True)
class ModuleResult:
    name: str
    text: str
    meta: Dict[str, str]


def parse_results(lines: Sequence[str]) -> Dict[str, ModuleResult]:
    results: Dict[str, ModuleResult] = {}
    for line in lines:
        match = RESULT_LINE.match(line.strip())
        if match:
            meta = dict(item.split("=", 1) for item in match["meta"].split() if "=" in item)
            results[match["name"]] = ModuleResult(match["name"], match["text"].strip(), meta)
    return results


def _int(token: str):
    try:
        return int(token, 0)
    except ValueError:
        return None


def compare(actual: str, expected: str, tolerance: int) -> List[str]:
    """Differences between a result text and the expected one (empty when they agree)."""
    got, want = actual.split(), expected.split()
    if len(got) != len(want):
        return [f"got {len(got)} values, expected {len(want)}: {actual!r} vs {expected!r}"]
    problems = []
    for index, (g, w) in enumerate(zip(got, want)):
        gi, wi = _int(g), _int(w)
        if gi is not None and wi is not None:
            if abs(gi - wi) > tolerance:
                problems.append(f"value {index}: {g} differs from {w} by {abs(gi - wi)} "
                                f"(tolerance {tolerance})")
        elif g != w:
            problems.append(f"value {index}: {g!r} != {w!r}")
    return problems


def check_results(lines: Sequence[str], expected: Dict[str, Dict]) -> List[str]:
    """Every expected module printed a RESULT line that matches."""
    results = parse_results(lines)
    problems = []
    for name, want in expected.items():
        result = results.get(name)
        if result is None:
            problems.append(f"module {name}: no RESULT line")
            continue
        for problem in compare(result.text, want["expect"], int(want.get("tolerance", 0))):
            problems.append(f"module {name}: {problem}")
    return problems
