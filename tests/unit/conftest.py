"""Shared helpers for the unit tests: temporary workspaces written from a dict of files."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Dict, Optional

import pytest

# A workspace-local plugin: rules that declare no tools, so analysis never looks for a program.
RULES_PY = '''\
import bfbuild
from bfbuild.analysis.providers import DefaultInfo
from bfbuild_unikernel.axes import cpu_of
from bfbuild.loading.rules import Rule
from bfbuild.loading.schema import Attr


def _gen(ctx):
    out = ctx.output(ctx.label.name + ".txt")
    inputs = list(ctx.files("srcs"))
    for dep in ctx.deps("deps"):
        inputs.extend(dep.files())
    argv = ["fake-gen", "--mode=" + ctx.attr["mode"], "--level=%d" % ctx.attr["level"]]
    if ctx.attr["verbose"]:
        argv.append("-v")
    ctx.action("GEN", argv + ["-o", out] + inputs, inputs=inputs, outputs=[out])
    return [DefaultInfo((out,))]


def _stamp(ctx):
    out = ctx.output("stamp.json")
    ctx.python_action("STAMP", "bfbuild_unikernel.rules.image:assemble_image", {"who": str(ctx.label)},
                      inputs=[], outputs=[out])
    return [DefaultInfo((out,))]


def _usecpu(ctx):
    info = cpu_of(ctx)
    inputs = [f for dep in ctx.deps("deps") for f in dep.files()]
    out = ctx.output("cpu.txt")
    ctx.action("USECPU", ["fake-cpu", *info.cflags, "-o", out, *inputs], inputs=inputs,
               outputs=[out])
    return [DefaultInfo((out,))]


@bfbuild.hookimpl
def bfbuild_register_rules():
    return [
        Rule("gen", {
            "mode": Attr("string", default="fast", values=["fast", "small"], doc="how to generate"),
            "level": Attr("int", default=1),
            "verbose": Attr("bool", default=False),
            "deps": Attr("label_list"),
            "srcs": Attr("source_list"),
        }, _gen),
        Rule("noaxis", {}, _stamp, axes=frozenset()),
        Rule("usecpu", {"deps": Attr("label_list")}, _usecpu, axes=frozenset({"cpu"})),
    ]
'''

ROOT_BUILD = 'workspace: t\nplugins: [rules.py]\ndefaults: {toolchain: clang, cpu: a, pgo: "off"}\n'

BASE_FILES: Dict[str, str] = {
    "BUILD.yaml": ROOT_BUILD,
    "rules.py": RULES_PY,
    "toolchains/clang.yaml": "programs: {cc: [clang]}\n",
}


def write_tree(root: Path, files: Dict[str, Optional[str]]) -> Path:
    """Write each relative path -> text under root (dedented); None deletes the file."""
    for relative, text in files.items():
        path = root / relative
        if text is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def find_line(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line number of the occurrence-th line of path containing needle."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found {occurrence} time(s) in {path}")


@pytest.fixture
def line_of():
    """The find_line helper: line_of(path, needle, occurrence=1) -> 1-based line number."""
    return find_line


@pytest.fixture(autouse=True)
def _forget_workspace_plugins():
    """Workspace .py plugins are imported under bfbuild_workspace_plugin_*: drop them after a test."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("bfbuild_workspace_plugin_"):
            del sys.modules[name]


@pytest.fixture
def make_workspace(tmp_path):
    """make_workspace({path: text}, base=True) -> root; base adds BUILD.yaml, rules.py, toolchains."""

    def make(files: Dict[str, Optional[str]], base: bool = True) -> Path:
        root = tmp_path / "ws"
        root.mkdir(exist_ok=True)
        if base:
            write_tree(root, BASE_FILES)
        return write_tree(root, files)

    return make


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """run_cli(workspace, *argv) -> (exit code, stdout, stderr), in-process from the workspace."""
    from bfbuild.cli import main

    def run(workspace: Path, *argv: str):
        monkeypatch.chdir(workspace)
        rc = main(list(argv))
        captured = capsys.readouterr()
        return rc, captured.out, captured.err

    return run
