"""Progress lines of the engine: one live status line on a terminal, plain lines elsewhere.

Live mode rewrites a single `[n/N] MNEMONIC //label (configuration)` line in place (\\r, then
erase to the end of the line) and prints full lines only for what a person must read: action
output and failures. Plain mode (a pipe, a log file, CI) prints one line per action, so that logs
keep every step. An action whose outputs came from a cache says so at the end of its own line:
`[3/105] CC //kernel:runtime_c exit.c (any-any-clang) (from the local cache)`. The runner decides the mode (it owns the terminal) and passes it to the engine.
"""
from __future__ import annotations

import os
from typing import Dict, Mapping, Optional, TextIO

ERASE = "\r\033[K"  # back to column 0, erase to the end of the line
DEFAULT_COLUMNS = 100


def is_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """CI services set CI=true; a log there must read as plain lines."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def wants_live(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Live status only for a person watching a terminal."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not is_ci(environ) and environ.get("TERM", "") != "dumb"


def status_text(index: int, total: int, spec: Dict, cache: str = "") -> str:
    """The action's line; `cache` names the cache its outputs came from ("local", "remote")."""
    detail = f" {spec['progress']}" if spec.get("progress") else ""
    source = f" (from the {cache} cache)" if cache else ""
    return f"[{index}/{total}] {spec['mnemonic']} {spec['owner']}{detail} ({spec['config']}){source}"


def fit(text: str, columns: int) -> str:
    """Cut a status line to the terminal width: a wrapped line cannot be rewritten with \\r."""
    limit = max(columns - 1, 10)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Progress:
    """Writes the engine's progress to `stream`; the caller serialises calls (one lock)."""

    def __init__(self, stream: TextIO, total: int, live: bool = False,
                 columns: int = DEFAULT_COLUMNS):
        self.stream = stream
        self.total = total
        self.live = live
        self.columns = columns
        self.started = 0
        self._status: Optional[str] = None  # the live line on screen, if any

    def start(self, spec: Dict, cache: str = "") -> None:
        """An action starts, or (`cache` names where from) its outputs were restored."""
        self.started += 1
        text = status_text(self.started, self.total, spec, cache)
        if self.live:
            self._status = fit(text, self.columns)
            self.stream.write(ERASE + self._status)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self, spec: Dict, ok: bool, output: str) -> None:
        """An action ended: show what it printed, and say so when it failed."""
        lines = [output.rstrip("\n")] if output.strip() else []
        if not ok:
            lines.append(f"FAILED: {spec['mnemonic']} {spec['owner']} ({spec['config']})")
        if lines:
            self._print("\n".join(lines))

    def _print(self, text: str) -> None:
        if self.live and self._status is not None:
            self.stream.write(ERASE)
        self.stream.write(text + "\n")
        if self.live and self._status is not None:
            self.stream.write(self._status)  # keep showing what is still running
        self.stream.flush()

    def close(self) -> None:
        """Leave the terminal clean for the summary."""
        if self.live and self._status is not None:
            self.stream.write(ERASE)
            self.stream.flush()
        self._status = None
