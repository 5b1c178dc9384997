"""The workspace: the root BUILD.yaml (found from any subdirectory) and where packages live."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from .configuration import AXES, PGO_MODES
from .errors import BfError, did_you_mean
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .yamlload import LocatedDict

BUILD_FILE = "BUILD.yaml"
TARGETS_DIR = "targets"
OUTPUT_DIR = "bfout"
STATE_DIR = f"{OUTPUT_DIR}/.bfbuild"  # graph, sconsign, last build record
# The root file has `workspace: NAME`; a package may define a target called `workspace`, whose
# value is a mapping (on the next lines, or `{...}`), so only a scalar on the same line counts.
_WORKSPACE_KEY = re.compile(r"^workspace\s*:[ \t]*[^\s{#]", re.MULTILINE)
_ROOT_KEYS = ("workspace", "plugins", "defaults", "targets", "pgo")
_SKIP_DIRS = {OUTPUT_DIR, ".git", "__pycache__", "node_modules", ".pytest_cache"}


@dataclass
class Workspace:
    """The root folder and the settings of its BUILD.yaml."""

    root: Path
    name: str
    plugins: List[str]
    defaults: Dict[str, str]
    settings: LocatedDict = field(repr=False)
    # Folders package discovery listed: a file added to one of them changes its mtime, which is
    # how the no-op check (bfbuild.noop) notices a new package.
    scanned_dirs: List[str] = field(default_factory=list, repr=False)

    def path(self, relative: str) -> Path:
        return self.root / relative

    def package_files(self) -> Dict[str, str]:
        """Map each package ('' for the root) to the workspace-relative YAML file defining it."""
        found: Dict[str, str] = {}
        if "targets" in self.settings:
            found[""] = BUILD_FILE
        targets_dir = self.root / TARGETS_DIR
        self.scanned_dirs = []
        for dirpath, dirnames, filenames in os.walk(targets_dir):
            self.scanned_dirs.append(dirpath)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                if filename.endswith(".yaml"):
                    rel = os.path.relpath(os.path.join(dirpath, filename), self.root)
                    package = os.path.relpath(os.path.join(dirpath, filename[:-5]), targets_dir)
                    _add_package(found, package.replace(os.sep, "/"), rel.replace(os.sep, "/"))
        for dirpath, dirnames, filenames in os.walk(self.root):
            self.scanned_dirs.append(dirpath)
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            if rel_dir == ".":
                dirnames[:] = [d for d in dirnames if d != TARGETS_DIR]
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
            if rel_dir != "." and BUILD_FILE in filenames:
                build_file = os.path.join(dirpath, BUILD_FILE)
                if _is_workspace_file(build_file):
                    dirnames[:] = []  # a nested workspace is not part of this one
                    continue
                _add_package(found, rel_dir, f"{rel_dir}/{BUILD_FILE}")
        return found


def _add_package(found: Dict[str, str], package: str, file: str) -> None:
    if package in found:
        raise BfError(f"package //{package} is defined twice: in {found[package]} and in {file}",
                      file=file, hint="keep one of the two files, or merge their targets")
    found[package] = file


def _is_workspace_file(path: str) -> bool:
    # Not yet the YAML reading: a file that is no UTF-8 text is reported, with its name, when
    # it is loaded (bfbuild.yamlload.load_yaml_file).
    with open(path, encoding="utf-8", errors="replace") as handle:
        return bool(_WORKSPACE_KEY.search(handle.read()))


def find_root(start: Optional[Path] = None) -> Path:
    """The nearest folder at or above start whose BUILD.yaml has a 'workspace:' key."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / BUILD_FILE
        if candidate.is_file() and _is_workspace_file(str(candidate)):
            return folder
    raise BfError(f"no workspace found at or above {here}",
                  hint=f"run inside a workspace, or create {BUILD_FILE} with a 'workspace: NAME' line")


def load_workspace(start: Optional[Path] = None) -> Workspace:
    from .yamlload import load_yaml_file  # not at import time: the no-op path needs no YAML

    root = find_root(start)
    settings = load_yaml_file(root / BUILD_FILE, BUILD_FILE)
    if not isinstance(settings, dict):
        raise BfError("the workspace file must be a mapping", file=BUILD_FILE, line=1)
    for key in settings:
        if key not in _ROOT_KEYS:
            hint = did_you_mean(str(key), _ROOT_KEYS) or f"known keys: {', '.join(_ROOT_KEYS)}"
            raise BfError(f"unknown workspace key '{key}'", file=BUILD_FILE,
                          line=settings.line_of(key), hint=hint)
    name = settings.get("workspace")
    if not isinstance(name, str) or not name:
        raise BfError("'workspace' must be a name", file=BUILD_FILE, line=settings.line_of("workspace"))
    plugins = settings.get("plugins") or []
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        raise BfError("'plugins' must be a list of module names or .py paths", file=BUILD_FILE,
                      line=settings.line_of("plugins"))
    defaults = {"cpu": "i686", "pgo": "off", "toolchain": "clang"}
    given = settings.get("defaults") or {}
    if not isinstance(given, dict):
        raise BfError("'defaults' must be a mapping of axis to value", file=BUILD_FILE,
                      line=settings.line_of("defaults"))
    for axis, value in given.items():
        if axis not in AXES:
            hint = did_you_mean(str(axis), AXES) or f"axes: {', '.join(AXES)}"
            raise BfError(f"unknown configuration axis '{axis}'", file=BUILD_FILE,
                          line=given.line_of(axis), hint=hint)
        if isinstance(value, bool):  # YAML 1.1 reads a bare off/on as a boolean
            value = "on" if value else "off"
        defaults[axis] = str(value)
    if defaults["pgo"] not in PGO_MODES:
        raise BfError(f"default pgo mode '{defaults['pgo']}' is not one of {', '.join(PGO_MODES)}",
                      file=BUILD_FILE, line=given.line_of("pgo") if given else 1)
    _check_pgo_settings(settings)
    return Workspace(root=root, name=name, plugins=list(plugins), defaults=defaults, settings=settings)


PGO_SETTINGS = {"t_calls": 100, "t_cycles": 100000}


def _check_pgo_settings(settings) -> None:
    """`pgo:` holds the classification thresholds (bfbuild.pgo): positive integers."""
    pgo = settings.get("pgo")
    if pgo is None:
        return
    if not isinstance(pgo, dict):
        raise BfError("'pgo' must be a mapping of thresholds", file=BUILD_FILE, line=settings.line_of("pgo"))
    for key, value in pgo.items():
        if key not in PGO_SETTINGS:
            hint = did_you_mean(str(key), PGO_SETTINGS) or f"known: {', '.join(PGO_SETTINGS)}"
            raise BfError(f"unknown pgo setting '{key}'", file=BUILD_FILE, line=pgo.line_of(key), hint=hint)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise BfError(f"pgo setting '{key}' must be a positive integer", file=BUILD_FILE,
                          line=pgo.line_of(key))
