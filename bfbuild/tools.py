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
from typing import Dict, Optional, Sequence

from .errors import BfError


@dataclass(frozen=True)
class Tool:
    name: str
    path: str
    version: str

    @property
    def identity(self) -> str:
        return f"{self.name}={self.path} ({self.version})"


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
             version_args: Sequence[str] = ("--version",)) -> Tool:
        key = (name, tuple(candidates))
        if key in self._resolved:
            return self._resolved[key]
        for candidate in candidates:
            path = shutil.which(candidate)
            if path:
                tool = Tool(name, path, self._version(path, version_args))
                self._resolved[key] = tool
                return tool
        raise BfError(f"'{name}' not found on PATH (looked for {', '.join(candidates)})",
                      hint=f"install it: {install_hint}")

    def _version(self, path: str, version_args: Sequence[str]) -> str:
        real = os.path.realpath(path)
        stat = os.stat(real)
        stamp = f"{real}:{stat.st_size}:{stat.st_mtime_ns}"
        cached = self._cache.get(path)
        if cached and cached.get("stamp") == stamp:
            return cached["version"]
        try:
            out = subprocess.run([path, *version_args], capture_output=True, text=True, timeout=30)
            text = (out.stdout or out.stderr).strip().splitlines()
            version = text[0].strip() if text else "unknown"
        except (OSError, subprocess.SubprocessError):
            version = "unknown"
        self._cache[path] = {"stamp": stamp, "version": version}
        self._dirty = True
        return version

    def save(self) -> None:
        if self._dirty and self.cache_file:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._cache, indent=1, sort_keys=True))
            os.replace(tmp, self.cache_file)
            self._dirty = False
