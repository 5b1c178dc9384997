"""The analysis cache: a repeated `bfbuild build` whose workspace, plugins and tools did not change
skips loading and analysis, and hands the recorded action graph straight to the engine.

After a successful build, the command records the graph it built and its report, with the state
of every file loading and analysis read (bfbuild.stat_record: the YAML files and the folders
searched for them, the code of bfbuild and of every plugin, toolchain files, programs found,
files rules read such as checked-in profiles), keyed by the command line, the current folder, the
interpreter, PATH and the environment variables the build options read. The next identical
command line checks that record before importing any plugin; when it holds, the engine runs the
recorded graph (SCons still compares every input, so edited sources rebuild exactly as before).
Plugins are not loaded on that path, so their hooks (bfbuild_configure, bfbuild_loaded,
bfbuild_analysis_finished, bfbuild_build_finished) are not called for such a build.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Dict, List, Optional

from bfbuild import stat_record
from bfbuild.layout import STATE_DIR

RECORD_DIR = f"{STATE_DIR}/analysis"
# What the build options read from the environment (bfbuild.commands.options), and the live
# progress line's choice (bfbuild.engine.progress).
ENV_KEYS = ("BFBUILD_CACHE_DIR", "BFBUILD_REMOTE_CACHE", "XDG_CACHE_HOME", "HOME", "CI", "TERM")
# The trace needs the phases it would skip; header values may be credentials, never written here.
UNCACHED_OPTIONS = ("--profile", "--remote-header")


def cacheable(argv: List[str]) -> bool:
    return argv[:1] == ["build"] and not any(a.split("=")[0] in UNCACHED_OPTIONS for a in argv)


class _StoredGraph:
    """The recorded graph, written for the engine with the same data as analysis wrote it
    (compact: json's fast encoder, where analysis's indented file takes it 30 ms)."""

    def __init__(self, data: Dict):
        self.data = data
        self.actions = data["actions"]
        self.goals = data["goals"]

    def write(self, path: Path) -> None:
        import json
        import os

        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.data, separators=(",", ":")))
        os.replace(tmp, path)


def store(invocation, analysis, header: str, lines: List[str], cache_options) -> None:
    """After a successful build: the plan a repeat of this command line may reuse."""
    session, options = invocation.session, invocation.options
    if not cacheable(options.argv):
        return
    payload = {"graph": analysis.graph.to_json(), "header": header, "lines": lines,
               "analysis_files": session.analysis_files(), "jobs": options.jobs,
               "keep_going": options.keep_going, "cache": asdict(cache_options)}
    stat_record.write(session.root, record_path(session.root, options.argv),
                      payload["analysis_files"], payload, options.started)


def record_path(root: Path, argv: List[str]) -> Path:
    return stat_record.record_path(root, RECORD_DIR, argv, ENV_KEYS)


def plan(root: Path, argv: List[str]) -> Optional[Dict]:
    """The recorded plan of this command line if nothing analysis read changed since (under
    the workspace lock); None when the build must load and analyse."""
    path = record_path(root, argv)
    if not cacheable(argv) or not path.exists():
        return None
    return stat_record.check(root, path)


def execute(root: Path, argv: List[str], plan: Dict, started: float, last) -> int:
    """Run the plan; `last` is (report, changed files) of the no-op record, or None."""
    from bfbuild import noop
    from bfbuild.engine import runner
    from bfbuild.incremental import graph_digest, graph_files
    from bfbuild.outcome import settled

    print(plan["header"] + " (analysis unchanged, reused)")
    graph = plan["graph"]
    digest = graph_digest(graph)
    result = runner.execute(root, _StoredGraph(graph), jobs=plan["jobs"],
                            keep_going=plan["keep_going"],
                            cache=runner.CacheOptions(**plan["cache"]),
                            engine_graph=_touched_part(root, graph, digest, last))
    ran, cached = len(result.ran), len(result.from_cache)
    print(f"bfbuild: {'done' if result.ok else 'FAILED'}: {ran} action(s) run, {cached} from cache, "
          f"{result.total_actions - ran - cached} up to date, {result.seconds:.2f}s "
          f"({time.time() - started:.2f}s wall)")
    if not result.ok:
        return 1
    print("\n".join(plan["lines"]))
    outputs = stat_record.snapshot(root, noop.outputs(graph))  # as they are when it ends
    settled(0)  # the record below is for the next command (bfbuild.outcome)
    noop.write(root, argv, plan["analysis_files"] + graph_files(root, graph),
               {"lines": plan["lines"], "actions": len(graph["actions"]), "graph": digest},
               started, outputs)
    return 0


def _touched_part(root: Path, graph: Dict, digest: str, last):
    """The part of the graph the changes since this command's last success reach
    (bfbuild.incremental); None for the whole graph."""
    from bfbuild.incremental import narrowed, touched_actions

    if last is None or last[0].get("graph") != digest:
        return None
    touched = touched_actions(root, graph, last[1])
    return None if touched is None else _StoredGraph(narrowed(graph, touched, last[1]))
