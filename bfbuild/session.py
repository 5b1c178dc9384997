"""A session: the workspace loaded once, then analysed and built for the commands of the CLI."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bfbuild.analysis.analyzer import Analyzer
from bfbuild.analysis.configured import ConfiguredTarget
from bfbuild.analysis.configuration import (Configuration, check_defaults, configuration_matrix,
                                            split_values)
from bfbuild.engine import runner
from bfbuild.errors import BfError
from bfbuild.analysis.graph import ActionGraph, build_action_graph, reachable
from bfbuild.labels import Label, parse_pattern
from bfbuild.loading.targets import Loader, TargetSet
from bfbuild.plugins import collect_axes, collect_rules, make_plugin_manager
from bfbuild.analysis.tools import ToolFinder
from bfbuild.layout import BUILD_FILE, TOOLS_RECORD
from bfbuild.loading.workspace import Workspace, load_workspace


@dataclass
class Analysis:
    """The configured targets a command asked for, and their action graph."""

    top: List[ConfiguredTarget]
    graph: ActionGraph
    per_config_actions: int  # actions summed over configurations, before sharing

    @property
    def shared_actions(self) -> int:
        return self.per_config_actions - len(self.graph.actions)


class Session:
    def __init__(self, workspace: Optional[Workspace] = None, plugin_manager=None,
                 start: Optional[Path] = None):
        self.workspace = workspace or load_workspace(start)
        self.plugins = plugin_manager or make_plugin_manager(self.workspace)
        self.rules = collect_rules(self.plugins)
        self.axes = collect_axes(self.plugins)
        self.defaults = check_defaults(self.axes, self.workspace.settings.get("defaults"), BUILD_FILE)
        self.tools = ToolFinder(self.workspace.root / TOOLS_RECORD)
        self.targets: TargetSet = Loader(self.workspace, self.rules).load_all()
        self.plugins.hook.bfbuild_loaded(targets=self.targets)
        self.analyzer = Analyzer(self.targets, self.workspace, self.tools, self.axes)
        self.analyzer.settings = dict(self.workspace.settings)

    @property
    def root(self) -> Path:
        return self.workspace.root

    def host_tool(self, program: str):
        """A program every configuration shares (a `kind: host` toolchain file)."""
        from bfbuild.analysis.toolchains import toolchains_of

        return toolchains_of(self.analyzer).host_tool(program)

    def labels(self, patterns: Sequence[str], cwd: Optional[Path] = None) -> List[Label]:
        """The targets the patterns name; relative patterns (`:name`, `...`) are relative to
        the package of `cwd` (the current folder), as in Bazel."""
        return self.targets.match([parse_pattern(p, self.current_package(cwd)) for p in patterns])

    def current_package(self, cwd: Optional[Path] = None) -> str:
        """The package path of a folder inside the workspace ('' at the root or outside)."""
        here = (cwd or Path.cwd()).resolve()
        try:
            relative = here.relative_to(self.root.resolve())
        except ValueError:
            return ""
        return "" if str(relative) == "." else relative.as_posix()

    def configurations(self, requested: Optional[Dict[str, Optional[str]]] = None,
                       **values: Optional[str]) -> List[Configuration]:
        """The matrix of the requested values per axis ("haswell,i686"), defaults elsewhere."""
        given = {**(requested or {}), **values}
        unknown = set(given) - {axis.name for axis in self.axes}
        if unknown:
            raise BfError(f"no configuration axis {', '.join(sorted(unknown))}",
                          hint=f"axes: {', '.join(axis.name for axis in self.axes)}")
        wanted = {name: split_values(text) for name, text in given.items()}
        known = {axis.name: self.analyzer.axis_values(axis.name) for axis in self.axes}
        return configuration_matrix(self.axes, wanted, self.defaults, known)

    def default_configuration(self) -> Configuration:
        return self.configurations()[0]

    def analyse(self, labels: Sequence[Label], configs: Sequence[Configuration],
                shard: Optional[Tuple[int, int]] = None) -> Analysis:
        """Configured targets and their action graph. shard=(i, n) keeps every n-th of the
        (target, configuration) pairs, starting with the i-th (1-based), so that n CI jobs
        filling one shared cache split a matrix between them."""
        pairs = sorted(((label, config) for config in configs for label in labels),
                       key=lambda pair: (str(pair[0]), pair[1].name))
        if shard:
            index, count = shard
            pairs = pairs[index - 1::count]
        top: List[ConfiguredTarget] = []
        per_config = 0
        for config in configs:
            roots = [self.analyzer.configure(label, c) for label, c in pairs if c == config]
            per_config += sum(len(ct.actions) for ct in reachable(roots))
            top.extend(roots)
        top = list({id(ct): ct for ct in top}.values())
        goals = list(dict.fromkeys(f for ct in top for f in ct.files()))
        graph = build_action_graph(top, goals)
        self.plugins.hook.bfbuild_analysis_finished(graph=graph)
        return Analysis(top, graph, per_config)

    def dependency_files(self, analysis: Analysis) -> List[str]:
        """Everything this build depended on, for the no-op record (bfbuild.noop)."""
        from bfbuild.incremental import graph_files

        return self.analysis_files() + graph_files(self.root, analysis.graph.to_json())

    def analysis_files(self) -> List[str]:
        """Everything loading and analysis read: YAML files and the folders searched for them,
        the programs found, files rules read, and the code of bfbuild and of every plugin."""
        from bfbuild.noop import code_files

        files = [BUILD_FILE, *self.targets.package_files.values(),
                 *self.workspace.scanned_dirs, *self.tools.resolved_paths(),
                 *self.analyzer.analysis_inputs]
        # The code of bfbuild and of every plugin package (templates and data files included).
        packages = {"bfbuild"} | {getattr(p, "__name__", "").split(".")[0]
                                  for p in self.plugins.get_plugins()}
        for package in sorted(packages):
            module = sys.modules.get(package)
            if module is None or not getattr(module, "__file__", None):
                continue
            if not hasattr(module, "__path__"):  # a single-file plugin: its file is listed below
                continue
            folder = Path(module.__file__).parent
            files += [str(p) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        files += code_files()
        for plugin in self.plugins.get_plugins():
            if getattr(plugin, "__file__", None):
                files.append(plugin.__file__)
        return [str(f) for f in files]

    def execute(self, analysis: Analysis, jobs: int = 0, keep_going: bool = False,
                cache: Optional[runner.CacheOptions] = None) -> runner.BuildResult:
        self.tools.save()  # what analysis learnt of the tools, for the next command (under the lock)
        result = runner.execute(self.root, analysis.graph, jobs=jobs, keep_going=keep_going,
                                cache=cache)
        self.plugins.hook.bfbuild_build_finished(result=result)
        return result

