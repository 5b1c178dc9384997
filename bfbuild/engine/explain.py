"""Why an action ran: its state (command line, tools, parameters, input contents) is recorded
after every run, and the next run compares the new state with the old one.

States live in bfout/.bfbuild/actions/<hash of the first output>.json, one small file per action,
written atomically by the engine thread that ran the action.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, List, Optional

from bfbuild.digest import file_sha256_or_none

STATE_DIR = "actions"


_digest = file_sha256_or_none  # None for a file that is gone


def action_state(spec: Dict, headers: List[str]) -> Dict:
    """What decides an action's result: everything in its key, and its inputs' contents."""
    return {"argv": spec.get("argv"), "function": spec.get("function"), "params": spec.get("params"),
            "env": spec.get("env"), "tools": spec.get("tools", []),
            "inputs": {path: _digest(path) for path in [*spec["inputs"], *headers]}}


def state_file(state_dir: str, spec: Dict) -> str:
    name = hashlib.sha256(spec["outputs"][0].encode()).hexdigest()[:32]
    return os.path.join(state_dir, STATE_DIR, name + ".json")


def load_state(state_dir: str, spec: Dict) -> Optional[Dict]:
    try:
        with open(state_file(state_dir, spec)) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def save_state(state_dir: str, spec: Dict, state: Dict) -> None:
    path = state_file(state_dir, spec)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}.{id(state)}"
    with open(tmp, "w") as handle:
        json.dump(state, handle)
    os.replace(tmp, path)


def _argv_change(old: List[str], new: List[str]) -> str:
    removed = [a for a in old if a not in new]
    added = [a for a in new if a not in old]
    if not removed and not added:
        return "command line: same words in another order"
    parts = []
    if removed:
        parts.append("removed " + " ".join(removed))
    if added:
        parts.append("added " + " ".join(added))
    return "command line: " + "; ".join(parts)


def reasons(old: Optional[Dict], new: Dict, outputs_present: bool) -> List[str]:
    """Human-readable reasons for re-running, from the previous and the current state."""
    if old is None:
        return ["no record of an earlier run (first build, or after clean)"]
    found = []
    if old.get("tools") != new.get("tools"):
        before, after = set(old.get("tools") or []), set(new.get("tools") or [])
        found.append("toolchain: " + "; ".join(
            [f"was {t}" for t in sorted(before - after)] + [f"now {t}" for t in sorted(after - before)]))
    if (old.get("argv") or []) != (new.get("argv") or []):
        found.append(_argv_change(old.get("argv") or [], new.get("argv") or []))
    if old.get("function") != new.get("function") or old.get("params") != new.get("params"):
        found.append("parameters of the Python step changed")
    if old.get("env") != new.get("env"):
        found.append("environment changed")
    old_inputs, new_inputs = old.get("inputs", {}), new.get("inputs", {})
    for path in sorted(set(old_inputs) | set(new_inputs)):
        if path not in old_inputs:
            found.append(f"new input: {path}")
        elif path not in new_inputs:
            found.append(f"input no longer used: {path}")
        elif old_inputs[path] != new_inputs[path]:
            found.append(f"input changed: {path}")
    if not found:
        found.append("its outputs were missing or changed since it last ran" if not outputs_present
                     else "the build engine had no valid record of it (an interrupted build, or a "
                          "header it read is gone)")
    return found
