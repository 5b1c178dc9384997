"""The engine started as a fork of the server's warm process instead of a new interpreter.

A new `python -m SCons` spends about a quarter of a second importing SCons and bfbuild's engine
modules before it reads the graph. The server imports them once (`preload`); a command's child
then forks its engine from that state and calls SCons's own `main()` with the same arguments
the runner would have passed on a command line. Everything after the imports is unchanged: the
engine reads the graph and SCons's database from disk, runs in a session of its own, holds the
workspace lock it inherits, dies with its parent (PR_SET_PDEATHSIG) and exits with SCons's
status, exactly as the engine started by `bfbuild.engine.runner` does.
"""
from __future__ import annotations

import atexit
import importlib
import io
import os
import sys
import traceback

# What a command and its engine import: loaded once by the server, before its fingerprint.
PRELOAD = ("bfbuild.cli", "bfbuild.commands.builtin", "bfbuild.session", "bfbuild.plugins",
           "bfbuild.noop", "bfbuild.analysis_cache", "bfbuild.analysis.analyzer",
           "bfbuild.loading.targets", "bfbuild.loading.yamlload", "bfbuild.engine.runner",
           "bfbuild.engine.cache", "bfbuild.engine.explain", "bfbuild.engine.journal",
           "bfbuild.engine.steps", "bfbuild.engine.supervision", "bfbuild.engine.trace",
           "SCons.Script", "SCons.SConsign", "jinja2", "yaml", "pluggy")
ENTRY_POINT_GROUP = "bfbuild.plugins"


def preload() -> None:
    """Import what commands use, and the installed plugins (never a workspace's own plugin
    files: those are read afresh by every command)."""
    from importlib.metadata import entry_points

    for name in PRELOAD:
        importlib.import_module(name)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            point.load()
        except Exception:  # the command reports a broken plugin itself, with its hint
            pass


def install(runner) -> None:
    """Make `runner` (bfbuild.engine.runner) start its engine with ForkedEngine, in the
    command's own forked process only."""
    runner.use_engine_launcher(ForkedEngine)


class ForkedEngine:
    """subprocess.Popen's part the runner uses (pid, stderr, communicate(), wait(), returncode),
    for an engine forked from this process. Called with the runner's Popen arguments."""

    def __init__(self, argv, cwd, env, stderr=None, start_new_session=True, pass_fds=()):
        read_end, write_end = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read_end)
            _engine(argv[3:], str(cwd), env, write_end, set(pass_fds))
        os.close(write_end)
        self.stderr = open(read_end, "rb")
        self.returncode = None

    def wait(self) -> int:
        if self.returncode is None:
            _pid, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
            self.stderr.close()
        return self.returncode

    def communicate(self):
        data = self.stderr.read()
        self.wait()
        return None, data


def run_and_exit(function) -> None:
    """In a forked process: run function() and end the process with its status (a SystemExit's
    code, 130 for Ctrl-C, 1 for a Python error, printed), after its own exit handlers and
    buffered output. Never returns."""
    code = 1
    try:
        code = function()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code & 0xFF)


def _engine(args, cwd, env, stderr_fd, keep) -> None:
    """The forked engine: what `python -m SCons ARGS` does after its imports. Never returns."""
    atexit._clear()  # the command's exit handlers are not the engine's

    def engine() -> int:
        os.setsid()
        os.dup2(stderr_fd, 2)
        _close_fds_except({0, 1, 2} | keep)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=sys.stdout.encoding,
                                      errors=sys.stdout.errors, line_buffering=os.isatty(1))
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=sys.stderr.encoding,
                                      errors="backslashreplace", line_buffering=True)
        sys.argv = ["scons", *args]
        sys.path.insert(0, cwd)  # as `python -m` puts the current folder first
        import SCons.Script

        SCons.Script.main()  # ends with sys.exit(status)
        return 0

    run_and_exit(engine)


def _close_fds_except(keep) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
