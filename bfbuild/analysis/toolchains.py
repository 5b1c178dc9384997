"""Toolchain definitions (toolchains/*.yaml): the programs a configuration compiles and links with.

A file with `kind: host` lists programs every configuration shares (nasm, qemu); the other files
are the values of the `toolchain` configuration axis, which the core declares (as Bazel's core
knows toolchains): a rule reading it gets `ctx.tool(program)` from the configuration's toolchain.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

from bfbuild import hookimpl
from bfbuild.errors import BfError, did_you_mean
from bfbuild.analysis.tools import Tool, ToolFinder
from bfbuild.loading.workspace import Workspace
from bfbuild.loading.yamlload import load_yaml_file

TOOLCHAINS_DIR = "toolchains"


@dataclass
class ProgramSpec:
    candidates: List[str]
    version_args: List[str]
    args: List[str]  # sub-command: `zig cc`


@dataclass
class Toolchain:
    name: str
    kind: str  # "compiler" (an axis value) or "host"
    doc: str
    install: str
    programs: Dict[str, ProgramSpec]
    file: str
    cflags: List[str]  # what every C compile with this toolchain needs first (the target)
    python_package: Optional[str] = None  # programs live inside this installed package

    def search_path(self) -> Optional[str]:
        """Where to look for the programs: inside python_package, or None for PATH."""
        if not self.python_package:
            return None
        spec = importlib.util.find_spec(self.python_package)
        if spec is None or not spec.submodule_search_locations:
            raise BfError(f"toolchain '{self.name}' needs the Python package "
                          f"'{self.python_package}', which is not installed", file=self.file,
                          hint=f"install it: {self.install}")
        return os.pathsep.join(spec.submodule_search_locations)


class Toolchains:
    """All toolchain files of a workspace, resolving programs lazily."""

    def __init__(self, workspace: Workspace, finder: ToolFinder):
        self.finder = finder
        self.by_name: Dict[str, Toolchain] = {}
        folder = workspace.path(TOOLCHAINS_DIR)
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            rel = f"{TOOLCHAINS_DIR}/{path.name}"
            self.by_name[path.stem] = _parse(load_yaml_file(path, rel), path.stem, rel)

    def compilers(self) -> List[str]:
        return [name for name, chain in self.by_name.items() if chain.kind == "compiler"]

    def tool(self, toolchain: str, program: str) -> Tool:
        chain = self.by_name.get(toolchain)
        if chain is None:
            raise BfError(f"unknown toolchain '{toolchain}'",
                          hint=did_you_mean(toolchain, self.compilers()) or
                          f"define {TOOLCHAINS_DIR}/{toolchain}.yaml")
        spec = chain.programs.get(program)
        if spec is None:
            raise BfError(f"toolchain '{toolchain}' ({chain.file}) has no program '{program}'",
                          hint=f"it has: {', '.join(sorted(chain.programs))}")
        return self.finder.find(program, spec.candidates, chain.install, spec.version_args,
                                spec.args, chain.search_path())

    def cflags(self, toolchain: str) -> List[str]:
        return list(self.by_name[toolchain].cflags)

    def host_tool(self, program: str) -> Tool:
        for chain in self.by_name.values():
            if chain.kind == "host" and program in chain.programs:
                return self.tool(chain.name, program)
        raise BfError(f"no host toolchain file in {TOOLCHAINS_DIR}/ defines program '{program}'")


def _parse(data, name: str, file: str) -> Toolchain:
    if not isinstance(data, dict) or "programs" not in data:
        raise BfError("a toolchain file needs 'programs:'", file=file, line=1)
    kind = data.get("kind", "compiler")
    if kind not in ("compiler", "host"):
        raise BfError(f"toolchain kind must be 'compiler' or 'host', not '{kind}'", file=file,
                      line=data.line_of("kind"))
    programs = {}
    for program, spec in data["programs"].items():
        if isinstance(spec, list):
            spec = {"candidates": spec}
        if not isinstance(spec, dict) or not spec.get("candidates"):
            raise BfError(f"program '{program}' needs a list of candidate names", file=file,
                          line=data["programs"].line_of(program))
        programs[program] = ProgramSpec(list(spec["candidates"]),
                                        list(spec.get("version_args", ["--version"])),
                                        [str(a) for a in spec.get("args", [])])
    cflags = data.get("cflags") or []
    if not isinstance(cflags, list):
        raise BfError("'cflags' must be a list", file=file, line=data.line_of("cflags"))
    return Toolchain(name, kind, str(data.get("doc", "")), str(data.get("install", "")), programs,
                     file, [str(f) for f in cflags], data.get("python_package"))


TOOLCHAIN_AXIS = "toolchain"


def toolchains_of(analyzer) -> "Toolchains":
    """The workspace's toolchain files, read once per analysis and watched by the no-op check."""
    def read():
        analyzer.note_input(TOOLCHAINS_DIR)
        chains = Toolchains(analyzer.workspace, analyzer.tools)
        for name in chains.by_name:
            analyzer.note_input(f"{TOOLCHAINS_DIR}/{name}.yaml")
        return chains
    return analyzer.service("toolchains", read)


@hookimpl
def bfbuild_axes():
    from bfbuild.analysis.configuration import Axis

    return [Axis(TOOLCHAIN_AXIS, default="clang", order=30,
                 help="toolchain(s) from toolchains/*.yaml, comma separated",
                 values=lambda analyzer: toolchains_of(analyzer).compilers())]
