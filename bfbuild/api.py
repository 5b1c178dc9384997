"""What a plugin may use: the whole public face of bfbuild, in one module.

The unikernel wing (bfbuild_unikernel) imports nothing else from bfbuild, and neither should a
third-party plugin: everything below keeps its name here while the core's inside moves. Names are
looked up on first use, so importing this module costs nothing.
"""
from importlib import import_module

_WHERE = {
    # writing rules
    "hookimpl": "bfbuild",
    "Rule": "bfbuild.loading.rules",
    "Attr": "bfbuild.loading.schema",
    "SourceFile": "bfbuild.loading.schema",
    "DefaultInfo": "bfbuild.analysis.providers",
    "TestInfo": "bfbuild.analysis.providers",
    "TestReport": "bfbuild.analysis.providers",
    "Tool": "bfbuild.analysis.tools",
    "Axis": "bfbuild.analysis.configuration",
    "Configuration": "bfbuild.analysis.configuration",
    "ConfiguredTarget": "bfbuild.analysis.configured",
    "reachable": "bfbuild.analysis.graph",
    "Label": "bfbuild.labels",
    "parse_label": "bfbuild.labels",
    # Python steps run by the engine
    "StepError": "bfbuild.engine.steps",
    "file_sha256": "bfbuild.digest",
    "bytes_sha256": "bfbuild.digest",
    "write_test_result": "bfbuild.engine.test_results",
    "test_result_is_current": "bfbuild.engine.test_results",
    "end_with_parent": "bfbuild.engine.supervision",
    # errors
    "BfError": "bfbuild.errors",
    "BuildFailure": "bfbuild.errors",
    "did_you_mean": "bfbuild.errors",
    # commands
    "Command": "bfbuild.commands",
    "append_to_list": "bfbuild.loading.yamledit",
    "render": "bfbuild.commands.scaffold",
    "write_files": "bfbuild.commands.scaffold",
    "Invocation": "bfbuild.commands",
    "build_options": "bfbuild.commands.options",
    "Session": "bfbuild.session",
    "find_root": "bfbuild.loading.workspace",
    "OUTPUT_DIR": "bfbuild.layout",
    "STATE_DIR": "bfbuild.layout",
    "EXIT_OK": "bfbuild.commands",
    "EXIT_FAILED": "bfbuild.commands",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"bfbuild.api has no {name!r}; it offers: {', '.join(__all__)}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
