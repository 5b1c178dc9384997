"""Finding host programs and their identity (resolved path + version), which enters action keys.

Identities are cached in bfout/.bfbuild/tools.json keyed by the program's path, size and mtime, so
a build does not spawn `clang --version` every time, yet an upgraded compiler is noticed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bfbuild.errors import BfError


@dataclass(frozen=True)
class Tool:
    name: str
    path: str
    version: str
    args: Tuple[str, ...] = ()  # a sub-command the program needs first: `zig cc`

    @property
    def argv(self) -> List[str]:
        """How an action starts this tool: [path, *args]."""
        return [self.path, *self.args]

    @property
    def identity(self) -> str:
        return f"{self.name}={' '.join(self.argv)} ({self.version})"


class ToolFinder:
    """Resolves programs by candidate names; remembers versions across runs."""

    def __init__(self, cache_file: Optional[Path] = None):
        self.cache_file = cache_file
        self._cache: Dict[str, dict] = {}
        self._dirty = False
        if cache_file and cache_file.is_file():
            try:
                self._cache = json.loads(cache_file.read_text())
            except (OSError, ValueError):
                self._cache = {}
        self._resolved: Dict[tuple, Tool] = {}

    def find(self, name: str, candidates: Sequence[str], install_hint: str,
             version_args: Sequence[str] = ("--version",), args: Sequence[str] = (),
             search_path: Optional[str] = None) -> Tool:
        """The first candidate found on `search_path` (default: PATH)."""
        key = (name, tuple(candidates), tuple(args), search_path)
        if key in self._resolved:
            return self._resolved[key]
        for candidate in candidates:
            path = shutil.which(candidate, path=search_path)
            if path:
                tool = Tool(name, path, self._version(path, [*args, *version_args]), tuple(args))
                self._resolved[key] = tool
                return tool
        where = search_path or "PATH"
        raise BfError(f"'{name}' not found on {where} (looked for {', '.join(candidates)})",
                      hint=f"install it: {install_hint}")

    def _version(self, path: str, version_args: Sequence[str]) -> str:
        real = os.path.realpath(path)
        stat = os.stat(real)
        stamp = f"{real}:{stat.st_size}:{stat.st_mtime_ns}"
        cache_key = " ".join([path, *version_args])
        cached = self._cache.get(cache_key)
        if cached and cached.get("stamp") == stamp:
            return cached["version"]
        try:
            out = subprocess.run([path, *version_args], capture_output=True, text=True, timeout=30)
            text = (out.stdout or out.stderr).strip().splitlines()
            version = text[0].strip() if text else "unknown"
        except (OSError, subprocess.SubprocessError):
            version = "unknown"
        self._cache[cache_key] = {"stamp": stamp, "version": version}
        self._dirty = True
        return version

    def resolved_paths(self) -> List[str]:
        """The program files found so far (their identity is part of every key)."""
        return sorted({os.path.realpath(tool.path) for tool in self._resolved.values()})

    def save(self) -> None:
        if self._dirty and self.cache_file:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._cache, indent=1, sort_keys=True))
            os.replace(tmp, self.cache_file)
            self._dirty = False
