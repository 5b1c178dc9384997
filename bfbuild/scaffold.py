"""`bfbuild new module NAME` and `bfbuild new rule NAME`: files from the Jinja2 templates of
bfbuild/templates/, and the one-line registrations that make them part of the workspace.

Everything is checked and rendered before the first file is written, so a refused name leaves
the workspace as it was.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

import jinja2

from .errors import BfError
from .labels import Label, parse_label
from .workspace import BUILD_FILE
from .yamledit import append_to_list

TEMPLATES = Path(__file__).with_name("templates")
MODULES_DIR = "modules"
RULES_DIR = "rules"
RULE_TESTS_DIR = "tests/rules"
DEFAULT_REGISTRY = "//apps/tinyllama:registry"

# A module name is a C identifier, a folder, a target and the blob header's name (19 bytes).
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,18}$")
# Rule names are what YAML writes after 'rule:'; built-in ones use '-' (embed-module).
_RULE_NAME = re.compile(r"^[a-z][a-z0-9]*([_-][a-z0-9]+)*$")
MODULE_COUNT = 1024  # values per round: enough work to profile, quick to check on the host


def _render(template: str, values: Dict[str, object]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template(template).render(**values)


def _write(root: Path, files: Dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# -- modules ----------------------------------------------------------------------------------

def new_module(session, name: str, registry: str = DEFAULT_REGISTRY) -> List[str]:
    """Create modules/NAME/{NAME.c, reference.py, BUILD.yaml} and add the module to the
    registry's `modules:` list. Returns what was done, one line each."""
    root = session.root
    _check_module_name(session, name)
    registry_label, registry_file = _registry(session, registry)
    _check_registry_names(session, registry_label, name)
    seed = zlib.crc32(name.encode()) or 1  # a different stream per module, never 0
    values = {"name": name, "macro": name.upper(), "count": MODULE_COUNT, "seed": f"0x{seed:08X}"}
    folder = f"{MODULES_DIR}/{name}"
    files = {f"{folder}/{name}.c": _render("module/module.c.j2", values),
             f"{folder}/reference.py": _render("module/reference.py.j2", values),
             f"{folder}/{BUILD_FILE}": _render("module/BUILD.yaml.j2", values)}
    label = f"//{folder}"
    text = (root / registry_file).read_text(encoding="utf-8")
    edited = append_to_list(text, registry_file, lambda data: (data[registry_label.name], "modules"),
                            label)
    _write(root, files)
    _write(root, {registry_file: edited})
    return [*(f"created {path}" for path in files),
            f"added {label} to the modules of {registry_label} ({registry_file})"]


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
                      hint="name a cache-registry target with --registry //pkg:name")
    target = session.targets[label]
    if target.rule.name != "cache-registry":
        raise BfError(f"{label} is a '{target.rule.name}' target, not a cache-registry",
                      file=target.where.file, line=target.where.line,
                      hint="name a cache-registry target with --registry //pkg:name")
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


# -- rules ------------------------------------------------------------------------------------

def new_rule(session, name: str) -> List[str]:
    """Create rules/NAME.py and tests/rules/test_NAME.py, and list the rule file under
    `plugins:` in the root BUILD.yaml. Returns what was done, one line each."""
    root = session.root
    if not _RULE_NAME.match(name):
        raise BfError(f"'{name}' is not a valid rule name",
                      hint="use lower-case letters and digits, words joined by '-' or '_', "
                           "starting with a letter (e.g. 'concat' or 'gen-table')")
    if name in session.rules:
        raise BfError(f"a rule named '{name}' already exists", hint="choose another name")
    module = name.replace("-", "_")
    rule_path = f"{RULES_DIR}/{module}.py"
    test_path = f"{RULE_TESTS_DIR}/test_{module}.py"
    for path in (rule_path, test_path):
        if (root / path).exists():
            raise BfError(f"{path} already exists", hint="choose another name, or remove the file")
    values = {"name": name, "mnemonic": module.upper(), "rule_path": rule_path,
              "test_path": test_path, "depth": test_path.count("/")}
    files = {rule_path: _render("rule/rule.py.j2", values),
             test_path: _render("rule/test_rule.py.j2", values)}
    text = (root / BUILD_FILE).read_text(encoding="utf-8")
    if "plugins" not in session.workspace.settings:
        text = _add_plugins_key(text)
    edited = append_to_list(text, BUILD_FILE, lambda data: (data, "plugins"), rule_path)
    _write(root, files)
    _write(root, {BUILD_FILE: edited})
    return [*(f"created {path}" for path in files),
            f"added {rule_path} to 'plugins:' in {BUILD_FILE}"]


def _add_plugins_key(text: str) -> str:
    """A root file without 'plugins:' gets an empty one after its 'workspace:' line."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("workspace:"):
            if not line.endswith("\n"):
                lines[index] += "\n"
            lines.insert(index + 1, "plugins: []\n")
            break
    return "".join(lines)
