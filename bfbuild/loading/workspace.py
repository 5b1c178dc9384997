"""The workspace: the root BUILD.yaml (found from any subdirectory) and where packages live."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from typing import TYPE_CHECKING

from bfbuild.errors import BfError, did_you_mean
from bfbuild.layout import BUILD_FILE, OUTPUT_DIR, STATE_DIR, TARGETS_DIR  # noqa: F401
from bfbuild.workspace_key import declares_workspace

if TYPE_CHECKING:
    from bfbuild.loading.yamlload import LocatedDict

# The root file has `workspace: NAME`; a package may define a target called `workspace`, whose
# value is a mapping (on the next lines, or `{...}`), so only a scalar on the same line counts.
# The core's root keys; plugins add theirs (hook bfbuild_workspace_settings).
CORE_KEYS = ("workspace", "plugins", "defaults", "targets")
_SKIP_DIRS = {OUTPUT_DIR, ".git", "__pycache__", "node_modules", ".pytest_cache"}


@dataclass
class Workspace:
    """The root folder and the settings of its BUILD.yaml."""

    root: Path
    name: str
    plugins: List[str]
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
    # it is loaded (bfbuild.loading.yamlload.load_yaml_file).
    with open(path, "rb") as handle:
        return declares_workspace(handle.read())


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
    from bfbuild.loading.yamlload import load_yaml_file  # not at import time: the no-op path needs no YAML

    root = find_root(start)
    settings = load_yaml_file(root / BUILD_FILE, BUILD_FILE)
    if not isinstance(settings, dict):
        raise BfError("the workspace file must be a mapping", file=BUILD_FILE, line=1)
    name = settings.get("workspace")
    if not isinstance(name, str) or not name:
        raise BfError("'workspace' must be a name", file=BUILD_FILE, line=settings.line_of("workspace"))
    plugins = settings.get("plugins") or []
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        raise BfError("'plugins' must be a list of module names or .py paths", file=BUILD_FILE,
                      line=settings.line_of("plugins"))
    given = settings.get("defaults")
    if given is not None and not isinstance(given, dict):
        raise BfError("'defaults' must be a mapping of axis to value", file=BUILD_FILE,
                      line=settings.line_of("defaults"))
    return Workspace(root=root, name=name, plugins=list(plugins), settings=settings)


def check_root_keys(workspace: Workspace, plugin_keys) -> None:
    """Every root key of BUILD.yaml is the core's or a plugin's (once plugins are loaded)."""
    known = list(CORE_KEYS) + list(plugin_keys)
    settings = workspace.settings
    for key in settings:
        if key not in known:
            hint = did_you_mean(str(key), known) or f"known keys: {', '.join(known)}"
            raise BfError(f"unknown workspace key '{key}'", file=BUILD_FILE,
                          line=settings.line_of(key), hint=hint)
