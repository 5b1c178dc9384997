"""Every hook a bfbuild plugin may implement, grouped by phase.

A plugin is a module with functions decorated by ``bfbuild.hookimpl`` whose names match the specs
below. The core's own commands are a plugin too (``bfbuild.commands.builtin``); the unikernel wing
(``bfbuild_unikernel``) registers through the ``bfbuild.plugins`` entry-point group exactly like a
third-party package; a workspace adds its own plugins by listing module names or ``.py`` paths
under ``plugins:`` in its root BUILD.yaml. Everything a plugin needs is in ``bfbuild.api``.
"""
import pluggy

hookspec = pluggy.HookspecMarker("bfbuild")


# -- start-up ---------------------------------------------------------------------------------

@hookspec
def bfbuild_commands():
    """Return a list of :class:`bfbuild.commands.Command` this plugin adds to the command line
    (``build``, ``test`` and ``query`` come from the core this way; ``run`` and ``pgo`` from the
    unikernel wing)."""


@hookspec
def bfbuild_axes():
    """Return a list of :class:`bfbuild.analysis.configuration.Axis`: configuration axes (each
    gets a ``--NAME`` option and a place in output folder names)."""


@hookspec
def bfbuild_workspace_settings():
    """Return a dict of extra root keys this plugin reads from BUILD.yaml, each mapped to a
    function ``check(value, line)`` that raises ``BfError`` for a bad value (``line`` is the
    key's line)."""


@hookspec
def bfbuild_scaffolds():
    """Return a dict mapping a kind of ``bfbuild new KIND NAME`` to a function
    ``make(session, name, options) -> list of lines to print``."""


@hookspec
def bfbuild_addoption(parser):
    """Add command-line options.

    :param argparse.ArgumentParser parser: the parser shared by every sub-command; options added
        here are visible in the parsed namespace that ``bfbuild_configure`` receives.
    """


@hookspec
def bfbuild_configure(workspace, options):
    """Called once after plugins are loaded and the command line is parsed.

    :param bfbuild.loading.workspace.Workspace workspace: the workspace root and its settings.
    :param argparse.Namespace options: the parsed command line.
    """


# -- loading ----------------------------------------------------------------------------------

@hookspec
def bfbuild_register_rules():
    """Return a list of :class:`bfbuild.loading.rules.Rule` this plugin provides.

    A rule's name is what a target's ``rule:`` key refers to; two plugins registering the same
    name is an error naming both.
    """


@hookspec
def bfbuild_loaded(targets):
    """Inspect the loaded target set before analysis; raise ``bfbuild.errors.BfError`` to reject it.

    :param bfbuild.loading.targets.TargetSet targets: every validated target of the workspace.
    """


# -- analysis ---------------------------------------------------------------------------------

@hookspec
def bfbuild_analysis_finished(graph):
    """Inspect the action graph before it is executed (for example to audit command lines).

    :param bfbuild.analysis.graph.ActionGraph graph: the actions of every requested configuration.
    """


# -- execution --------------------------------------------------------------------------------

@hookspec
def bfbuild_build_finished(result):
    """Called after the execution engine returns.

    :param bfbuild.engine.runner.BuildResult result: success, the actions run, wall time.
    """


@hookspec
def bfbuild_test_report(report):
    """Called for each boot test once its result is known.

    :param bfbuild.analysis.providers.TestReport report: label, configuration, state ("PASSED",
        "PASSED (cached)", "FAILED" or "NOT RUN") and the path of the serial log.
    """
