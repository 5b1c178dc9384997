"""Module results printed by the kernel, compared with the values the host computed, and the
report of a failed boot test (which serial lines to show).

The kernel prints one line per module that ran:
    RESULT <name> source=<embedded|disk> opt=<O2> cpu=<tag> | <result text>
The host's expectation for a module is a text and a tolerance: tokens are compared one by one;
integer tokens may differ by at most the tolerance (float results are printed scaled to
integers), other tokens must be equal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

RESULT_LINE = re.compile(r"^RESULT (?P<name>\S+) (?P<meta>.*?) \| (?P<text>.*)$")


@dataclass(frozen=True)
class ModuleResult:
    name: str
    text: str
    meta: Dict[str, str]
    index: int = -1  # of its line in the serial log (0-based)


def parse_results(lines: Sequence[str]) -> Dict[str, ModuleResult]:
    results: Dict[str, ModuleResult] = {}
    for index, line in enumerate(lines):
        match = RESULT_LINE.match(line.strip())
        if match:
            meta = dict(item.split("=", 1) for item in match["meta"].split() if "=" in item)
            results[match["name"]] = ModuleResult(match["name"], match["text"].strip(), meta, index)
    return results


def _int(token: str):
    try:
        return int(token, 0)
    except ValueError:
        return None


def compare(actual: str, expected: str, tolerance: int) -> List[str]:
    """Differences between a result text and the expected one (empty when they agree), each
    naming the expected and the actual value."""
    got, want = actual.split(), expected.split()
    if len(got) != len(want):
        return [f"expected {len(want)} values, got {len(got)}: expected {expected!r}, got {actual!r}"]
    problems = []
    for index, (g, w) in enumerate(zip(got, want)):
        gi, wi = _int(g), _int(w)
        if gi is not None and wi is not None:
            if abs(gi - wi) > tolerance:
                problems.append(f"value {index}: expected {w}, got {g} (off by {abs(gi - wi)}, "
                                f"tolerance {tolerance})")
        elif g != w:
            problems.append(f"value {index}: expected {w!r}, got {g!r}")
    return problems


def check_results(lines: Sequence[str], expected: Dict[str, Dict]) -> List[str]:
    """Every expected module printed a RESULT line that matches."""
    return check_results_at(lines, expected)[0]


def check_results_at(lines: Sequence[str], expected: Dict[str, Dict]) -> Tuple[List[str], List[int]]:
    """The problems of check_results, and the indices of the RESULT lines that failed."""
    results = parse_results(lines)
    problems, failing = [], []
    for name, want in expected.items():
        result = results.get(name)
        if result is None:
            problems.append(f"module {name}: no RESULT line")
            continue
        differences = compare(result.text, want["expect"], int(want.get("tolerance", 0)))
        problems += [f"module {name}: {problem}" for problem in differences]
        if differences:
            failing.append(result.index)
    return problems, sorted(failing)


# -- serial expectations and the report of a failed boot test ---------------------------------

CONTEXT_AFTER = 5  # serial lines shown after the last one that matched an expectation
TAIL = 15  # serial lines shown when no line is known to matter, or the kernel failed

def check_serial_at(lines, expect, forbid):
    """(problems, indices of the lines that matter): the lines around the first missing
    expectation (from the last line that matched one) and the lines matching a forbidden
    pattern."""
    problems, focus = [], []
    position = 0
    for pattern in expect:
        regex = re.compile(pattern)
        for index in range(position, len(lines)):
            if regex.search(lines[index]):
                position = index + 1
                break
        else:
            problems.append(f"expected a line matching {pattern!r} (after line {position})")
            focus += range(max(position - 1, 0), min(position + CONTEXT_AFTER, len(lines)))
            break
    for pattern in forbid:
        regex = re.compile(pattern)
        for number, line in enumerate(lines, 1):
            if regex.search(line):
                problems.append(f"line {number} matches forbidden {pattern!r}: {line}")
                focus.append(number - 1)
    return problems, focus



def excerpt(lines, focus, tail: int):
    """The numbered serial lines of `focus` (0-based indices), and the last `tail` ones, with
    '...' where lines are skipped."""
    chosen = sorted(set(i for i in focus if 0 <= i < len(lines)) |
                    set(range(max(len(lines) - tail, 0), len(lines))))
    width = len(str(len(lines)))
    shown, previous = [], None
    for index in chosen:
        if previous is not None and index != previous + 1:
            shown.append("    " + " " * width + " | ...")
        shown.append(f"    {index + 1:>{width}} | {lines[index]}")
        previous = index
    return "\n".join(shown)


def failure_report(label, result, problems, focus, log):
    """The text of a failed boot test: how the boot ended, each problem, the lines that matter."""
    if result.success:
        head = f"TEST FAILED {label}: {result.describe(checks_failed=True)}, but:"
    else:
        head = f"TEST FAILED {label}: {result.describe()}" + (", and:" if problems else "")
    facts = f"({len(result.lines)} serial lines, {result.seconds:.1f}s, log: {log})"
    # The end of the log tells why a boot failed; when it succeeded, only the lines that broke
    # an expectation matter (the tail then holds the JSON profile), unless none is known.
    tail = TAIL if not result.success or not focus else 0
    if not result.lines:
        lines = "  no serial output"
    elif tail and not focus:
        lines = f"  last serial lines:\n{excerpt(result.lines, [], tail)}"
    elif tail:
        lines = f"  serial lines that matter, and the last ones:\n{excerpt(result.lines, focus, tail)}"
    else:
        lines = f"  serial lines that matter:\n{excerpt(result.lines, focus, 0)}"
    return "\n  ".join([head, *problems, facts]) + "\n" + lines
