"""bfbuild: a Bazel-like build graph for unikernels.

Loading reads YAML targets (bfbuild.loading), analysis turns them into actions through rule plugins
(bfbuild.analysis), execution hands the action graph to SCons (bfbuild.engine).
"""
import pluggy

__version__ = "0.1.0"

# Plugins decorate their hook implementations with this marker.
hookimpl = pluggy.HookimplMarker("bfbuild")
