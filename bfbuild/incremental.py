"""The part of a graph an edit reaches: the actions the engine needs to see after a change.

After a successful build the no-op record (bfbuild.noop) holds the state of every input, output
and header of every action of that command line's graph, and the graph's digest. When the same
command line runs the same graph again (its analysis reused, bfbuild.analysis_cache), an action
none of whose files changed since, and that no changed action feeds, is exactly as SCons last
stored it: walking it would find it up to date. Only the other actions go to the engine, where
SCons still compares their contents, so an edit that leaves an object file identical still stops
there (early cutoff). Without such a record, for another graph, or after a killed build (its
journal makes the record unusable), the whole graph goes, as before.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Dict, List, Optional, Set


def action_files(root: Path, action: Dict) -> List[str]:
    """Every input, output and header (from its depfile) of one action of a graph's JSON, named
    as the no-op record names them."""
    from bfbuild.engine.steps import header_dependencies

    files = [*action["inputs"], *action["outputs"]]
    if action.get("depfile"):
        files += header_dependencies({"depfile": str(root / action["depfile"]),
                                      "inputs": list(action["inputs"])}, only_existing=False)
    return files


def graph_files(root: Path, graph: Dict) -> List[str]:
    """Every input, output and header of every action of a graph's JSON."""
    return [name for action in graph["actions"] for name in action_files(root, action)]


def graph_digest(graph: Dict) -> str:
    """What the record's file list was made from: goals, and each action's key and files."""
    shape = [graph["goals"], [(a["key"], a["inputs"], a["outputs"], a.get("depfile"))
                              for a in graph["actions"]]]
    return hashlib.sha256(json.dumps(shape, separators=(",", ":")).encode()).hexdigest()


def touched_actions(root: Path, graph: Dict, changed: Set[str]) -> Optional[List[int]]:
    """The indices, in graph order, of the actions that read or write a changed file, and of
    every action downstream of them; None when a changed file is no action's (a goal that is a
    source file, say): only the whole graph then says what to do about it."""
    actions = graph["actions"]
    files = [action_files(root, action) for action in actions]
    if not changed.issubset(name for names in files for name in names):
        return None
    readers: Dict[str, List[int]] = {}
    for index, names in enumerate(files):
        outputs = set(actions[index]["outputs"])
        for name in names:
            if name not in outputs:
                readers.setdefault(name, []).append(index)
    pending = [index for index, names in enumerate(files) if not changed.isdisjoint(names)]
    reached = set(pending)
    while pending:
        for output in actions[pending.pop()]["outputs"]:
            for reader in readers.get(output, ()):
                if reader not in reached:
                    reached.add(reader)
                    pending.append(reader)
    return sorted(reached)


def narrowed(graph: Dict, indices: List[int], changed: Set[str]) -> Dict:
    """The graph of those actions alone, their outputs its goals. `changed_outputs` tells the
    engine which of their outputs are not as the last build left them: only those can have been
    edited or damaged since (bfbuild/engine/sconstruct.py checks them)."""
    actions = [graph["actions"][index] for index in indices]
    outputs = [output for action in actions for output in action["outputs"]]
    return {**graph, "goals": outputs, "actions": actions,
            "changed_outputs": [output for output in outputs if output in changed]}
