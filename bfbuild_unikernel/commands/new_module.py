"""`bfbuild new module NAME`: modules/NAME/ (C source, host reference, BUILD.yaml) from the
templates beside this file, added to a module registry whose boot tests then check its result.

Everything is checked and rendered before the first file is written, so a refused name leaves
the workspace as it was.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import List, Tuple

from bfbuild.api import append_to_list, BfError, Label, parse_label, render, write_files

TEMPLATES = Path(__file__).with_name("templates_module")
MODULES_DIR = "modules"
BUILD_FILE = "BUILD.yaml"
DEFAULT_REGISTRY = "//apps/tinyllama:registry"
REGISTRY_RULE = "module-registry"
# A module name is a C identifier, a folder, a target and the blob header's name (19 bytes).
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,18}$")
MODULE_COUNT = 1024  # values per round: enough work to profile, quick to check on the host


def new_module(session, name: str, options=None) -> List[str]:
    """Create modules/NAME/{NAME.c, reference.py, BUILD.yaml} and add the module to the
    registry's `modules:` list. Returns what was done, one line each."""
    root = session.root
    registry = getattr(options, "registry", None) or DEFAULT_REGISTRY
    _check_module_name(session, name)
    registry_label, registry_file = _registry(session, registry)
    _check_registry_names(session, registry_label, name)
    seed = zlib.crc32(name.encode()) or 1  # a different stream per module, never 0
    values = {"name": name, "macro": name.upper(), "count": MODULE_COUNT, "seed": f"0x{seed:08X}"}
    folder = f"{MODULES_DIR}/{name}"
    files = {f"{folder}/{name}.c": render(TEMPLATES, "module.c.j2", values),
             f"{folder}/reference.py": render(TEMPLATES, "reference.py.j2", values),
             f"{folder}/{BUILD_FILE}": render(TEMPLATES, "BUILD.yaml.j2", values)}
    label = f"//{folder}"
    text = (root / registry_file).read_text(encoding="utf-8")
    edited = append_to_list(text, registry_file, lambda data: (data[registry_label.name], "modules"),
                            label)
    write_files(root, files)
    write_files(root, {registry_file: edited})
    return [*(f"created {path}" for path in files),
            f"added {label} to the modules of {registry_label} ({registry_file})",
            f"next: edit modules/{name}/{name}.c and reference.py, then "
            f"bfbuild test //images:tinyllama_boot_test (docs/add-a-module.md)"]


def _check_module_name(session, name: str) -> None:
    if not _MODULE_NAME.match(name):
        raise BfError(f"'{name}' is not a valid module name",
                      hint="use 1 to 19 lower-case letters, digits or '_', starting with a letter "
                           "(it names a C file, a target and the module's blob)")
    folder = f"{MODULES_DIR}/{name}"
    if name == "common" or (session.root / folder).exists():
        raise BfError(f"{folder} already exists", hint="choose another name, or edit that module")
    if folder in session.targets.package_files:
        raise BfError(f"package //{folder} already exists ({session.targets.package_files[folder]})",
                      hint="choose another name")


def _registry(session, text: str) -> Tuple[Label, str]:
    try:
        label = parse_label(text)
    except BfError as exc:
        raise BfError(f"--registry: {exc.message}", hint=exc.hint) from None
    if label not in session.targets:
        raise BfError(f"no registry target {label} to add the module to",
                      hint="name a module-registry target with --registry //pkg:name")
    target = session.targets[label]
    if target.rule.name != REGISTRY_RULE:
        raise BfError(f"{label} is a '{target.rule.name}' target, not a module-registry",
                      file=target.where.file, line=target.where.line,
                      hint="name a module-registry target with --registry //pkg:name")
    return label, target.where.file


def _check_registry_names(session, registry: Label, name: str) -> None:
    """The data disk keeps 8 characters of a module's name (FAT 8.3): no two may share them."""
    for label in session.targets[registry].attrs["modules"]:
        module = session.targets[label] if label in session.targets else None
        other = (module.attrs.get("module_name") if module else None) or label.name
        if other == name:
            raise BfError(f"{registry} already has a module named '{name}' ({label})",
                          hint="choose another name")
        if other[:8].upper() == name[:8].upper():
            raise BfError(f"module '{name}' would share the data disk name {name[:8].upper()}.MOD "
                          f"with module '{other}' of {registry}",
                          hint="FAT keeps 8 characters of a name: make the first 8 differ")


