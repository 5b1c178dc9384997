"""The action graph: every action of the requested configured targets, checked for conflicts."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List

from bfbuild.analysis.actions import Action
from bfbuild.analysis.configured import ConfiguredTarget
from bfbuild.layout import OUTPUT_DIR
from bfbuild.errors import BfError


@dataclass
class ActionGraph:
    actions: List[Action]
    goals: List[str]  # outputs the user asked for
    top: List[ConfiguredTarget] = field(default_factory=list)

    def to_json(self) -> Dict:
        return {"version": 1, "goals": self.goals, "actions": [a.to_json() for a in self.actions]}

    def write(self, path: Path) -> None:
        """Write atomically: the engine must never read half a graph."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        os.replace(tmp, path)


def reachable(roots: Iterable[ConfiguredTarget]) -> List[ConfiguredTarget]:
    seen: Dict[int, ConfiguredTarget] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(node.deps)
    return list(seen.values())


def _duplicate_output(output: str, first: Action, first_target: ConfiguredTarget,
                      second: Action, second_target: ConfiguredTarget) -> BfError:
    def where(target: ConfiguredTarget) -> str:
        known = target.target is not None
        return f" ({target.target.where.file}:{target.target.where.line})" if known else ""

    place = second_target.target.where if second_target.target is not None else None
    return BfError(f"two actions write {output}: {first.mnemonic} of {first.owner} "
                   f"({first.config}){where(first_target)} and {second.mnemonic} of "
                   f"{second.owner} ({second.config}){where(second_target)}",
                   file=place.file if place else None, line=place.line if place else None,
                   hint="give one of the targets a different name or output; a rule names its "
                        "outputs with ctx.output(), which keeps them apart per target")


def build_action_graph(roots: List[ConfiguredTarget], goals: List[str]) -> ActionGraph:
    actions: List[Action] = []
    writers: Dict[str, Action] = {}
    defined: Dict[str, ConfiguredTarget] = {}  # output -> the target whose action writes it
    for configured in reachable(roots):
        for action in configured.actions:
            for output in action.outputs:
                other = writers.get(output)
                if other is not None and other is not action:
                    raise _duplicate_output(output, other, defined[output], action, configured)
                writers[output] = action
                defined[output] = configured
            actions.append(action)
    produced = set(writers)
    for action in actions:
        for source in action.inputs:
            if source.startswith(OUTPUT_DIR + "/") and source not in produced:
                raise BfError(f"{action.owner}: input {source} is not produced by any action",
                              hint="this is a bug in the rule that declared the action")
    return ActionGraph(actions=actions, goals=goals, top=roots)
