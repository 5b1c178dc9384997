"""Errors a user can act on: each names where the problem is and how to fix it."""
from __future__ import annotations

from typing import Iterable, Optional


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
        return text


class BuildFailure(BfError):
    """An action or a test failed: exit 1."""

    exit_code = 1


def did_you_mean(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The 'did you mean' hint for a misspelt name, or None when nothing is close."""
    import difflib

    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not matches:
        return None
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
