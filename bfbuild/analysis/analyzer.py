"""Analysis: each (target, configuration) runs its rule once, yielding actions and providers.

A configured target's configuration is trimmed to the axes its rule reads plus those its
dependencies read, and configured targets are shared by that trimmed configuration: in a
i686+haswell matrix the boot loader (which reads no axis) is analysed, and built, once.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Sequence, Tuple

from bfbuild.analysis.configuration import Axis, Configuration
from bfbuild.analysis.configured import ConfiguredTarget
from bfbuild.analysis.context import RuleContext
from bfbuild.analysis.tools import ToolFinder
from bfbuild.errors import BfError, did_you_mean
from bfbuild.labels import Label
from bfbuild.loading.targets import TargetSet
from bfbuild.loading.workspace import Workspace

class Analyzer:
    """Analyses targets in configurations, memoised by (label, trimmed configuration)."""

    def __init__(self, targets: TargetSet, workspace: Workspace, tools: ToolFinder,
                 axes: Sequence[Axis]):
        self.targets = targets
        self.workspace = workspace
        self.tools = tools
        self.axes = {axis.name: axis for axis in axes}
        self.root = str(workspace.root)
        self._services: Dict[str, object] = {}
        self._by_full: Dict[tuple, ConfiguredTarget] = {}
        self._by_trimmed: Dict[tuple, ConfiguredTarget] = {}
        self.settings: Dict = {}
        self.analysis_inputs: set = set()  # files rules read while analysing

    def axis_target(self, axis: str, value: str,
                    config: Optional[Configuration] = None) -> ConfiguredTarget:
        """The target an axis value names, analysed in `config` without that axis (a CPU
        target may read the toolchain, as cpu-profile does, never the CPU it defines)."""
        config = config or Configuration((), tuple(self.axes))
        package = self.axes[axis].package
        label = Label(package, value)
        if label not in self.targets:
            names = [l.name for l in self.targets.targets if l.package == package]
            raise BfError(f"--{axis} {value}: no target {label}",
                          hint=did_you_mean(value, names) or f"known: {', '.join(sorted(names))}")
        return self.configure(label, config.trimmed(set(config.axes()) - {axis}))

    def axis_values(self, axis: str) -> List[str]:
        """The values an axis accepts: its package's target names, or what its plugin says."""
        declared = self.axes[axis]
        if declared.package:
            return sorted(l.name for l in self.targets.targets if l.package == declared.package)
        if declared.choices:
            return list(declared.choices)
        return list(declared.values(self) if declared.values else [])

    def service(self, key: str, make):
        """An object made once per analysis and shared (see RuleContext.service)."""
        if key not in self._services:
            self._services[key] = make()
        return self._services[key]

    def note_input(self, path: str) -> None:
        """A workspace file (or folder) the analysis depended on: the no-op check watches it."""
        self.analysis_inputs.add(path)

    def configure(self, label: Label, config: Configuration,
                  overrides: Tuple[Tuple[str, object], ...] = ()) -> ConfiguredTarget:
        """Analyse `label` in `config`; `overrides` replaces some attribute values (an attribute
        transition: the PGO registry builds a module at the level its profile asks for). The
        variant gets its own output folder, `name@attr=value`."""
        memo_key = (label, config, overrides)
        if memo_key in self._by_full:
            return self._by_full[memo_key]
        target = self.targets[label]
        if overrides:
            target = dataclasses.replace(target, attrs={**target.attrs, **dict(overrides)})
        deps = {dep.label: self.configure(dep.label, config) for dep in target.deps}
        own_axes = target.rule.axes_for(target.attrs)
        axes = set(own_axes)
        # The targets the axis values name (//cpus:haswell) are dependencies too: what they
        # build (cpu-profile's JSON) is built with whatever reads them.
        named = {name for name, axis in self.axes.items() if axis.package}
        axis_deps = [self.axis_target(axis, config[axis], config)
                     for axis in sorted(own_axes & named) if config.get(axis) is not None]
        for dep in deps.values():
            axes |= dep.config.axes()
        trimmed = config.trimmed(axes)
        missing = axes - trimmed.axes()
        if missing:
            raise BfError(f"{label} reads configuration axes {sorted(missing)} that "
                          f"{config.name} does not set")
        shared_key = (label, trimmed, overrides)
        configured = self._by_trimmed.get(shared_key)
        if configured is None:
            context = RuleContext(self, target, trimmed, deps, config, overrides)
            try:
                providers = target.rule.implementation(context)
            except BfError:
                raise
            except Exception as exc:
                raise BfError(f"rule '{target.rule.name}' failed while analysing {label}: "
                              f"{type(exc).__name__}: {exc}", file=target.where.file,
                              line=target.where.line,
                              hint="this is a bug in the rule plugin; --verbose shows the traceback") from exc
            configured = ConfiguredTarget(label, trimmed, list(providers or []), context.actions,
                                          list(deps.values()) + context.transitioned + axis_deps,
                                          target)
            self._by_trimmed[shared_key] = configured
        self._by_full[memo_key] = configured
        return configured
