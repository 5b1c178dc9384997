"""`bfbuild new rule NAME`: a workspace rule and its unit test from the Jinja2 templates of
bfbuild/templates/, listed under `plugins:`. Other kinds come from plugins (bfbuild_scaffolds).

Everything is checked and rendered before the first file is written, so a refused name leaves
the workspace as it was.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import jinja2

from bfbuild.errors import BfError
from bfbuild.layout import BUILD_FILE
from bfbuild.loading.yamledit import append_to_list

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
RULES_DIR = "rules"
RULE_TESTS_DIR = "tests/rules"

# Rule names are what YAML writes after 'rule:'; built-in ones use '-' (embed-module).
_RULE_NAME = re.compile(r"^[a-z][a-z0-9]*([_-][a-z0-9]+)*$")


def render(templates: Path, template: str, values: Dict[str, object]) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.get_template(template).render(**values)


def write_files(root: Path, files: Dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# -- rules ------------------------------------------------------------------------------------

def new_rule(session, name: str, options=None) -> List[str]:
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
    files = {rule_path: render(TEMPLATES, "rule/rule.py.j2", values),
             test_path: render(TEMPLATES, "rule/test_rule.py.j2", values)}
    text = (root / BUILD_FILE).read_text(encoding="utf-8")
    if "plugins" not in session.workspace.settings:
        text = _add_plugins_key(text)
    edited = append_to_list(text, BUILD_FILE, lambda data: (data, "plugins"), rule_path)
    write_files(root, files)
    write_files(root, {BUILD_FILE: edited})
    return [*(f"created {path}" for path in files),
            f"added {rule_path} to 'plugins:' in {BUILD_FILE}",
            f"next: use 'rule: {name}' in a package file, then bfbuild build <its label> "
            f"(docs/write-a-rule.md)"]


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
