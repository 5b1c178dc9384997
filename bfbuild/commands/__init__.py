"""Commands: one module each, registered through the `bfbuild_commands` hook.

The core's own commands (build, test, query, graph, explain, schema, new, clean) are a plugin like
any other (`bfbuild.commands.builtin`); the unikernel wing adds run, size and pgo the same way.
A command says what it needs, and the command line gives it exactly that: an `Invocation` with
the parsed options, the workspace and plugins, and (for most) a session holding the workspace
lock.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Callable, Optional

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# What a command needs before it runs (each includes the ones before it).
NEEDS_PLUGINS = "plugins"  # the plugin manager only (schema)
NEEDS_TARGETS = "targets"  # the loaded targets, no lock: it reads YAML only (query, graph)
NEEDS_LOCK = "lock"  # the workspace lock, no targets (clean)
NEEDS_SESSION = "session"  # the loaded targets under the workspace lock (build, run, test...)


@dataclass(frozen=True)
class Command:
    """A sub-command of `bfbuild`.

    add_arguments(parser): its own arguments; `builds=True` adds the configuration, execution
    and caching options every building command shares (bfbuild.commands.options).
    run(invocation) -> exit status.
    """

    name: str
    help: str
    run: Callable[["Invocation"], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    builds: bool = False
    needs: str = NEEDS_SESSION
    description: Optional[str] = None
    usage: Optional[str] = None
    # Repeated with identical arguments and inputs, its report can be replayed (bfbuild.noop).
    replayable: bool = False
    passthrough: bool = False  # takes the words after `--` (invocation.extra)


@dataclass
class Invocation:
    """One run of a command: its options and what it asked for."""

    options: argparse.Namespace
    workspace: object
    plugins: object
    session: Optional[object] = None
    extra: list = field(default_factory=list)  # words after `--`
    lock: Optional[object] = None  # the workspace lock, once the command holds it
    header: str = ""  # the build's first summary line (bfbuild.commands.reporting)

    def hold_lock(self) -> None:
        """Take the workspace lock (once) before the first write to bfout/ or the workspace;
        it is released when the command ends. Loading and analysis run before it, so bad
        input is reported without touching bfout/."""
        if self.lock is None:
            from bfbuild.lock import WorkspaceLock

            self.lock = WorkspaceLock(self.workspace.root, self.options.argv)
            self.lock.__enter__()

    def release_lock(self) -> None:
        if self.lock is not None:
            self.lock.__exit__(None, None, None)
            self.lock = None

    def configurations(self):
        """The configurations the command line asks for (one per combination of values)."""
        from bfbuild.commands.options import requested_axes

        return self.session.configurations(requested_axes(self.session, self.options))

    def build(self, labels, configs, keep_going=None):
        """Analyse and execute, printing the summary lines: (analysis, result)."""
        from bfbuild.commands.reporting import build_and_report

        return build_and_report(self, labels, configs, keep_going)
