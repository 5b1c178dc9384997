"""bfbuild: a Bazel-like build graph for unikernels.

Loading reads YAML targets (bfbuild.loading.targets), analysis turns them into actions through rule plugins
(bfbuild.analysis.analyzer), execution hands the action graph to SCons (bfbuild.engine).
"""
__version__ = "0.1.0"


def __getattr__(name):
    # Plugins decorate their hooks with bfbuild.hookimpl. It is made on first use, so that the
    # fast no-op path (bfbuild.noop) does not pay for importing pluggy.
    if name == "hookimpl":
        import pluggy

        globals()["hookimpl"] = pluggy.HookimplMarker("bfbuild")
        return globals()["hookimpl"]
    raise AttributeError(f"module 'bfbuild' has no attribute {name!r}")
