"""Analysis: each (target, configuration) runs its rule once, yielding actions and providers.

A configured target's configuration is trimmed to the axes its rule reads plus those its
dependencies read, and configured targets are shared by that trimmed configuration: in a
i686+haswell matrix the boot loader (which reads no axis) is analysed, and built, once.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Type, TypeVar

from .actions import Action
from .configuration import Configuration
from .errors import BfError, did_you_mean
from .labels import Label
from .loading import Target, TargetSet
from .providers import CpuInfo, DefaultInfo
from .schema import SourceFile
from .toolchains import Toolchains
from .tools import Tool
from .workspace import OUTPUT_DIR

P = TypeVar("P")

# Axes whose value names a target: --cpu haswell means //cpus:haswell.
AXIS_PACKAGES = {"cpu": "cpus"}


@dataclass
class ConfiguredTarget:
    label: Label
    config: Configuration
    providers: List[object]
    actions: List[Action]
    deps: List["ConfiguredTarget"] = field(default_factory=list)
    target: Optional[Target] = None

    def get(self, kind: Type[P]) -> Optional[P]:
        for provider in self.providers:
            if isinstance(provider, kind):
                return provider
        return None

    def files(self) -> Tuple[str, ...]:
        info = self.get(DefaultInfo)
        return info.files if info else ()

    def __str__(self) -> str:
        return f"{self.label} ({self.config.name})"


class RuleContext:
    """What a rule implementation sees: its attributes, dependencies, configuration and tools."""

    def __init__(self, analyzer: "Analyzer", target: Target, config: Configuration,
                 deps: Dict[Label, ConfiguredTarget], full_config: Configuration,
                 overrides: Tuple[Tuple[str, object], ...] = ()):
        self._analyzer = analyzer
        self.target = target
        self.label = target.label
        self.attr = target.attrs
        self.config = config
        self._deps = deps
        self._full_config = full_config
        self._variant = "".join(f"@{name}={value}" for name, value in overrides)
        self.transitioned: List[ConfiguredTarget] = []  # deps analysed in another configuration
        self.actions: List[Action] = []

    # -- dependencies -------------------------------------------------------------------------
    def dep(self, label: Label) -> ConfiguredTarget:
        return self._deps[label]

    def dep_in(self, label: Label, overrides: Optional[Dict[str, object]] = None,
               **values: str) -> ConfiguredTarget:
        """A declared dependency analysed in this configuration with some axes changed (a
        transition): e.g. dep_in(module, cpu="haswell") for a fat image's haswell variant, or
        with some of its attributes replaced: dep_in(module, overrides={"opt": "O3"})."""
        if label not in self._deps:
            raise self.fail(f"dep_in({label}): not a dependency of this target")
        schema = self._analyzer.targets[label].rule.all_attrs()
        for name, value in (overrides or {}).items():
            attr = schema.get(name)
            if attr is None or (attr.values is not None and value not in attr.values):
                raise self.fail(f"cannot set attribute '{name}' of {label} to {value!r}")
        for axis, value in values.items():
            known = self._analyzer.axis_values(axis)
            if known and value not in known:
                raise self.fail(f"unknown {axis} '{value}'",
                                hint=did_you_mean(value, known) or f"known: {', '.join(known)}")
        config = Configuration.of({**dict(self._full_config.items), **values})
        configured = self._analyzer.configure(label, config, tuple(sorted((overrides or {}).items())))
        self.transitioned.append(configured)
        return configured

    def deps(self, attr_name: str) -> List[ConfiguredTarget]:
        value = self.attr[attr_name]
        items = value if isinstance(value, list) else [value]
        return [self._deps[item] for item in items if isinstance(item, Label)]

    def files(self, attr_name: str) -> List[str]:
        """Workspace-relative paths of a source attribute: files as written, targets' outputs."""
        value = self.attr[attr_name]
        items = value if isinstance(value, list) else ([] if value is None else [value])
        paths: List[str] = []
        for item in items:
            if isinstance(item, SourceFile):
                paths.append(item.path)
            elif isinstance(item, Label):
                paths.extend(self._deps[item].files())
        return paths

    def axis_target(self, axis: str) -> ConfiguredTarget:
        """The target an axis value names (cpu=haswell -> //cpus:haswell)."""
        return self._analyzer.axis_target(axis, self.config[axis], self._full_config)

    def cpu(self) -> CpuInfo:
        info = self.axis_target("cpu").get(CpuInfo)
        if info is None:
            raise self.fail(f"//cpus:{self.config['cpu']} provides no CpuInfo (is its rule 'cpu'?)")
        return info

    # -- tools --------------------------------------------------------------------------------
    def tool(self, program: str) -> Tool:
        """A program of this configuration's toolchain (the rule must read the toolchain axis)."""
        return self._analyzer.toolchains.tool(self.config["toolchain"], program)

    def toolchain_cflags(self) -> List[str]:
        """Flags every C compile of this configuration's toolchain starts with (its target)."""
        return self._analyzer.toolchains.cflags(self.config["toolchain"])

    def setting(self, key: str, default=None):
        """A value of the workspace's BUILD.yaml (e.g. the 'pgo' thresholds)."""
        return self._analyzer.settings.get(key, default)

    @property
    def workspace_root(self) -> str:
        return self._analyzer.root

    def note_input(self, path: str) -> None:
        """Record a workspace file the analysis depended on (the no-op check watches it)."""
        self._analyzer.analysis_inputs.add(path)

    def read_source(self, path: str) -> str:
        """Read a workspace file during analysis (a checked-in profile). The file is recorded as
        an input of the analysis, so the no-op check notices when it changes."""
        self._analyzer.analysis_inputs.add(path)
        with open(os.path.join(self._analyzer.root, path), encoding="utf-8") as handle:
            return handle.read()

    def host_tool(self, program: str) -> Tool:
        return self._analyzer.toolchains.host_tool(program)

    # -- outputs and actions ------------------------------------------------------------------
    def output(self, name: str) -> str:
        """A workspace-relative path for an output: bfout/<config>/<package>/<target>/<name>."""
        return "/".join(part for part in (OUTPUT_DIR, self.config.name, self.label.package,
                                          self.label.name + self._variant, name) if part)

    def action(self, mnemonic: str, argv: Sequence[str], inputs: Sequence[str],
               outputs: Sequence[str], tools: Sequence[Tool] = (), depfile: Optional[str] = None,
               env: Optional[Dict[str, str]] = None, progress: str = "") -> Action:
        """Declare a command. Outputs are written atomically by the engine."""
        action = Action(mnemonic=mnemonic, owner=str(self.label), config=self.config.name,
                        outputs=tuple(outputs), inputs=tuple(dict.fromkeys(inputs)),
                        argv=tuple(str(a) for a in argv), env=tuple(sorted((env or {}).items())),
                        depfile=depfile, tools=tuple(t.identity for t in tools),
                        progress=progress)
        self.actions.append(action)
        return action

    def python_action(self, mnemonic: str, function: str, params: Dict, inputs: Sequence[str],
                      outputs: Sequence[str], tools: Sequence[Tool] = (), progress: str = "") -> Action:
        """Declare an in-process Python step: function(inputs, outputs, params) in the engine."""
        action = Action(mnemonic=mnemonic, owner=str(self.label), config=self.config.name,
                        outputs=tuple(outputs), inputs=tuple(dict.fromkeys(inputs)),
                        function=function, params=json.dumps(params, sort_keys=True),
                        tools=tuple(t.identity for t in tools),
                        progress=progress)
        self.actions.append(action)
        return action

    def fail(self, message: str, attr: Optional[str] = None, hint: Optional[str] = None) -> BfError:
        where = self.target.where
        return BfError(f"{self.label}: {message}", file=where.file, line=where.line, hint=hint)


class Analyzer:
    """Analyses targets in configurations, memoised by (label, trimmed configuration)."""

    def __init__(self, targets: TargetSet, toolchains: Toolchains, workspace_root: str):
        self.targets = targets
        self.toolchains = toolchains
        self.root = workspace_root
        self._by_full: Dict[tuple, ConfiguredTarget] = {}
        self._by_trimmed: Dict[tuple, ConfiguredTarget] = {}
        self.settings: Dict = {}
        self.analysis_inputs: set = set()  # files rules read while analysing

    def axis_target(self, axis: str, value: str,
                    config: Configuration = Configuration(())) -> ConfiguredTarget:
        """The target an axis value names, analysed in `config` without that axis (a CPU
        target may read the toolchain, as cpu-profile does, never the CPU it defines)."""
        package = AXIS_PACKAGES[axis]
        label = Label(package, value)
        if label not in self.targets:
            names = [l.name for l in self.targets.targets if l.package == package]
            raise BfError(f"--{axis} {value}: no target {label}",
                          hint=did_you_mean(value, names) or f"known: {', '.join(sorted(names))}")
        return self.configure(label, config.trimmed(set(config.axes()) - {axis}))

    def axis_values(self, axis: str) -> List[str]:
        if axis == "toolchain":
            return self.toolchains.compilers()
        package = AXIS_PACKAGES.get(axis)
        if package:
            return sorted(l.name for l in self.targets.targets if l.package == package)
        from .configuration import PGO_MODES
        return list(PGO_MODES)

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
        axis_deps = [self.axis_target(axis, config[axis], config)
                     for axis in sorted(own_axes & set(AXIS_PACKAGES)) if config.get(axis) is not None]
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
