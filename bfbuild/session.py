"""A session: the workspace loaded once, then analysed and built for the commands of the CLI."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .analysis import Analyzer, ConfiguredTarget
from .configuration import AXES, Configuration, configuration_matrix, split_values
from .engine import runner
from .errors import BfError
from .graph import ActionGraph, build_action_graph, reachable
from .labels import Label, parse_pattern
from .loading import Loader, TargetSet
from .plugins import collect_rules, make_plugin_manager
from .providers import DefaultInfo
from .toolchains import Toolchains
from .tools import ToolFinder
from .workspace import BUILD_FILE, STATE_DIR, Workspace, load_workspace


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
        self.tools = ToolFinder(self.workspace.root / STATE_DIR / "tools.json")
        self.toolchains = Toolchains(self.workspace, self.tools)
        self.targets: TargetSet = Loader(self.workspace, self.rules).load_all()
        self.plugins.hook.bfbuild_loaded(targets=self.targets)
        self.analyzer = Analyzer(self.targets, self.toolchains, str(self.workspace.root))
        self.analyzer.settings = dict(self.workspace.settings)

    @property
    def root(self) -> Path:
        return self.workspace.root

    def labels(self, patterns: Sequence[str]) -> List[Label]:
        return self.targets.match([parse_pattern(p) for p in patterns])

    def configurations(self, cpu: Optional[str] = None, pgo: Optional[str] = None,
                       toolchain: Optional[str] = None) -> List[Configuration]:
        requested = {"cpu": split_values(cpu), "pgo": split_values(pgo),
                     "toolchain": split_values(toolchain)}
        known = {axis: self.analyzer.axis_values(axis) for axis in AXES}
        return configuration_matrix(requested, self.workspace.defaults, known)

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
        self.tools.save()
        return Analysis(top, graph, per_config)

    def dependency_files(self, analysis: Analysis) -> List[str]:
        """Everything this build depended on, for the no-op record (bfbuild.noop)."""
        from .engine.steps import header_dependencies
        from .noop import code_files
        from .toolchains import TOOLCHAINS_DIR

        root = self.root
        files = [BUILD_FILE, TOOLCHAINS_DIR, *self.targets.package_files.values(),
                 *(str(p.relative_to(root)) for p in (root / TOOLCHAINS_DIR).glob("*.yaml")),
                 *self.workspace.scanned_dirs, *self.tools.resolved_paths(),
                 *self.analyzer.analysis_inputs]
        for package in ("bfbuild", "bfbuild_plugins"):
            folder = Path(__import__(package).__file__).parent
            files += [str(p) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        files += code_files()
        for plugin in self.plugins.get_plugins():
            if getattr(plugin, "__file__", None):
                files.append(plugin.__file__)
        for action in analysis.graph.actions:
            files += action.inputs
            files += action.outputs
            if action.depfile:
                files += header_dependencies({"depfile": str(root / action.depfile),
                                              "inputs": list(action.inputs)}, only_existing=False)
        return files

    def execute(self, analysis: Analysis, jobs: int = 0, keep_going: bool = False,
                cache: Optional[runner.CacheOptions] = None) -> runner.BuildResult:
        result = runner.execute(self.root, analysis.graph, jobs=jobs, keep_going=keep_going,
                                cache=cache)
        self.plugins.hook.bfbuild_build_finished(result=result)
        return result
