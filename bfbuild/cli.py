"""The bfbuild command line: finds the workspace, loads plugins, parses, dispatches a command.

Exit codes: 0 success, 1 build or test failure, 2 bad input or usage. Commands live in
bfbuild/commands/ (one module each) and in plugins, all registered through `bfbuild_commands`.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from typing import Dict, List, Optional

from bfbuild.commands import (EXIT_FAILED, EXIT_OK, EXIT_USAGE, NEEDS_LOCK, NEEDS_PLUGINS,
                              NEEDS_TARGETS, Command, Invocation)
from bfbuild import __version__
from bfbuild.errors import BfError

DEFAULT_COMMAND = "run"  # `bfbuild //images:tinyllama`: a label without a command runs it


def _with_command(argv: List[str]) -> List[str]:
    """`bfbuild LABEL ...` means `bfbuild run LABEL ...`, as the product card promises."""
    if argv and (argv[0].startswith("//") or argv[0].startswith(":")):
        return [DEFAULT_COMMAND, *argv]
    return argv


def main(argv: Optional[List[str]] = None) -> int:
    argv = _with_command(sys.argv[1:] if argv is None else list(argv))
    verbose = "-v" in argv or "--verbose" in argv
    try:
        return _main(argv)
    except BfError as exc:
        if verbose:
            traceback.print_exc()
        print(f"bfbuild: {'FAILED' if exc.exit_code == EXIT_FAILED else 'error'}: {exc}", file=sys.stderr)
        if not verbose and exc.__cause__ is not None and exc.exit_code == EXIT_USAGE:
            print("  (run with --verbose for the Python traceback)", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("bfbuild: interrupted", file=sys.stderr)
        return 130


def make_parser(commands: Dict[str, Command], axes=()) -> argparse.ArgumentParser:
    from bfbuild.commands.options import build_options

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true",
                        help="show Python tracebacks with errors")
    parser = argparse.ArgumentParser(prog="bfbuild", parents=[common],
                                     description="Build, boot and test unikernels from YAML targets. "
                                                 "`bfbuild LABEL` runs the label (`bfbuild run`).")
    parser.add_argument("--version", action="version", version=f"bfbuild {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands.values():
        sub = subparsers.add_parser(command.name, parents=[common], help=command.help,
                                    description=command.description or command.help,
                                    usage=command.usage)
        command.add_arguments(sub)
        if command.builds:
            build_options(sub, axes)
    return parser


def _load(argv):
    """The workspace and plugin manager, or the problem that stopped them (raised after parsing,
    so that --help works anywhere)."""
    from bfbuild.commands import builtin
    from bfbuild.loading.workspace import load_workspace
    from bfbuild.plugins import make_plugin_manager

    try:
        workspace = load_workspace()
        manager = make_plugin_manager(workspace, builtins=[("bfbuild.commands", builtin)])
        return workspace, manager, None
    except BfError as exc:
        return None, make_plugin_manager(None, builtins=[("bfbuild.commands", builtin)]), exc


def _main(argv: List[str]) -> int:
    started = time.time()
    from bfbuild.replay import replay, replayable

    if replayable(argv):  # answered from its records before any plugin is loaded
        status = replay(argv)
        if status is not None:
            return status
    from bfbuild.plugins import collect_axes, collect_named

    workspace, plugins, problem = _load(argv)
    commands = collect_named(plugins, "bfbuild_commands", Command, "command")
    axes = collect_axes(plugins) if problem is None else []
    parser = make_parser(commands, axes)
    plugins.hook.bfbuild_addoption(parser=parser)
    extra: List[str] = []
    if "--" in argv:  # everything after -- goes to the command untouched (QEMU for `run`)
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    options = parser.parse_args(argv)
    options.started = started
    options.argv = argv + (["--", *extra] if extra else [])
    command = commands[options.command]
    if extra and not command.passthrough:
        parser.error(f"'{command.name}' takes no arguments after --")
    if problem is not None:
        raise problem
    plugins.hook.bfbuild_configure(workspace=workspace, options=options)
    invocation = Invocation(options, workspace, plugins, extra=extra)
    return _dispatch(command, invocation)


def _dispatch(command: Command, invocation: Invocation) -> int:
    from bfbuild.session import Session

    if command.needs == NEEDS_PLUGINS:
        return command.run(invocation)
    if command.needs != NEEDS_LOCK:
        # Loading reads YAML only: bad input is reported before bfout/ is touched.
        invocation.session = Session(invocation.workspace, invocation.plugins)
    if command.needs == NEEDS_TARGETS:
        return command.run(invocation)
    try:
        if command.needs == NEEDS_LOCK:
            invocation.hold_lock()
        # Other commands take the lock themselves, after analysis (Invocation.hold_lock).
        return command.run(invocation)
    finally:
        invocation.release_lock()


if __name__ == "__main__":
    sys.exit(main())
