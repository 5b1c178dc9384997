"""What a rule implementation sees: its attributes, dependencies, configuration and tools."""
from __future__ import annotations

import json
import os
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from bfbuild.analysis.actions import STEP_HINT, Action, python_step_digest, resolve_python_step
from bfbuild.analysis.configuration import Configuration
from bfbuild.analysis.toolchains import TOOLCHAIN_AXIS, toolchains_of
from bfbuild.analysis.tools import Tool
from bfbuild.errors import BfError, did_you_mean
from bfbuild.labels import Label
from bfbuild.layout import OUTPUT_DIR
from bfbuild.loading.schema import SourceFile
from bfbuild.loading.targets import Target

from bfbuild.analysis.configured import ConfiguredTarget


class RuleContext:
    """What a rule implementation sees: its attributes, dependencies, configuration and tools.

    Made by the Analyzer (bfbuild.analysis.analyzer), which passes itself in."""

    def __init__(self, analyzer, target: Target, config: Configuration,
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
        config = self._full_config.with_values(**values)
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

    # -- tools --------------------------------------------------------------------------------
    def tool(self, program: str) -> Tool:
        """A program of this configuration's toolchain (the rule must read the toolchain axis)."""
        return toolchains_of(self._analyzer).tool(self.config[TOOLCHAIN_AXIS], program)

    def toolchain_cflags(self) -> List[str]:
        """Flags every C compile of this configuration's toolchain starts with (its target)."""
        return toolchains_of(self._analyzer).cflags(self.config[TOOLCHAIN_AXIS])

    def service(self, key: str, factory):
        """An object shared by every rule of this analysis, made once by factory(analyzer)
        (a plugin's parsed settings, a table read from the workspace)."""
        return self._analyzer.service(key, lambda: factory(self._analyzer))

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
        """A program every configuration shares (a `kind: host` toolchain file)."""
        return toolchains_of(self._analyzer).host_tool(program)

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

    def python_action(self, mnemonic: str, function: Union[str, Callable], params: Dict,
                      inputs: Sequence[str], outputs: Sequence[str], tools: Sequence[Tool] = (),
                      progress: str = "") -> Action:
        """Declare an in-process Python step: function(inputs, outputs, params) in the engine.

        `function` is the step's function object (what a workspace rule passes), or
        "module:function" (f"{__name__}:name" in the rule's own file). A workspace plugin is not
        importable by name in the engine's process, so its file is recorded in the action."""
        frame = sys._getframe(1)
        declared_at = f"{self._short(frame.f_code.co_filename)}:{frame.f_lineno}"
        del frame
        try:
            name, module_file = resolve_python_step(function)
            python_step_digest(name, module_file)  # the action's key reads the file
        except ValueError as exc:  # StepNameError, or an unreadable file from the digest
            raise self.fail(f"{exc} (at {declared_at})",
                            hint=getattr(exc, "hint", None) or STEP_HINT) from None
        action = Action(mnemonic=mnemonic, owner=str(self.label), config=self.config.name,
                        outputs=tuple(outputs), inputs=tuple(dict.fromkeys(inputs)),
                        function=name, module_file=module_file, declared_at=declared_at,
                        params=json.dumps(params, sort_keys=True),
                        tools=tuple(t.identity for t in tools),
                        progress=progress)
        self.actions.append(action)
        return action

    def _short(self, filename: str) -> str:
        """A file's path relative to the workspace root when it is inside it."""
        root = os.path.abspath(self._analyzer.root)
        return os.path.relpath(filename, root) if filename.startswith(root + os.sep) else filename

    def fail(self, message: str, attr: Optional[str] = None, hint: Optional[str] = None) -> BfError:
        where = self.target.where
        return BfError(f"{self.label}: {message}", file=where.file, line=where.line, hint=hint)
