"""Errors a user can act on: each names where the problem is and how to fix it."""
from __future__ import annotations

import datetime
from typing import Any, Iterable, Optional

# An error fits a screen: a quoted value is cut to EXCERPT characters, any line to MAX_LINE_CHARS,
# the whole text to MAX_LINES lines.
EXCERPT = 60
MAX_LINE_CHARS = 300
MAX_LINES = 20


class BfError(Exception):
    """Bad input or usage: the CLI prints it without a traceback and exits 2."""

    exit_code = 2

    def __init__(self, message: str, file: Optional[str] = None, line: Optional[int] = None,
                 hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return _fit_screen(text)


def _fit_screen(text: str) -> str:
    lines = [line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS - 3] + "..."
             for line in text.split("\n")]
    if len(lines) > MAX_LINES:
        hidden = len(lines) - MAX_LINES + 1
        lines = lines[:MAX_LINES - 2] + [f"    ... ({hidden - 1} more lines)", lines[-1]]
    return "\n".join(lines)


class BuildFailure(BfError):
    """An action or a test failed: exit 1."""

    exit_code = 1


def did_you_mean(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The 'did you mean' hint for a misspelt name, or None when nothing is close."""
    import difflib

    if len(name) > 200:  # difflib is quadratic: a huge value is no typo
        return None
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not matches:
        return None
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"


def clip(text: str, limit: int = EXCERPT) -> str:
    """Plain text cut to at most `limit` characters, '...' marking a cut."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A short quotation of a (YAML) value: at most `limit` characters, '...' marking a cut.
    Strings are quoted with escapes (a newline shows as \\n); lists and mappings are written in
    YAML flow style. Never renders more of a huge value than it shows."""
    parts: list = []
    room = [limit + 1]  # characters still wanted; one more than shown, to know a cut happened

    def put(text: str) -> bool:
        parts.append(text[:room[0]])
        room[0] -= len(text)
        return room[0] > 0

    def walk(item: Any) -> bool:
        if isinstance(item, dict):
            if not put("{"):
                return False
            for index, (key, val) in enumerate(item.items()):
                if (index and not put(", ")) or not walk(key) or not put(": ") or not walk(val):
                    return False
            return put("}")
        if isinstance(item, (list, tuple)):
            if not put("["):
                return False
            for index, val in enumerate(item):
                if (index and not put(", ")) or not walk(val):
                    return False
            return put("]")
        if isinstance(item, bool):
            return put("true" if item else "false")
        if item is None:
            return put("null")
        if isinstance(item, str):
            return put(repr(item[:limit + 1]))
        if isinstance(item, int) and item.bit_length() > 4 * limit:
            return put("(a very long integer)")
        return put(str(item)[:limit + 1])

    walk(value)
    text = "".join(parts)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def describe_value(value: Any) -> str:
    """What a YAML value is, in words ('a list', 'an integer'), never a Python type name."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {excerpt(value)}"
    if isinstance(value, int):
        return f"an integer {excerpt(value)}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date {value.isoformat()}"
    if isinstance(value, float):
        return f"a number {excerpt(value)}"
    if isinstance(value, str):
        return f"a string {excerpt(value)}"
    if isinstance(value, (list, tuple)):
        return f"a list {excerpt(value)}"
    if isinstance(value, dict):
        return f"a mapping {excerpt(value)}"
    return f"a value {excerpt(value)}"
