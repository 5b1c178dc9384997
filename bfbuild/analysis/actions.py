"""Actions: the unit of execution. Either a command line or an in-process Python step.

An action's key covers everything but its input files' contents (which SCons signs itself): the
command line, environment, outputs and the identity of every program it runs. A changed flag or an
upgraded compiler therefore re-runs exactly the actions it touches.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Optional, Tuple


@lru_cache(maxsize=None)
def python_step_digest(function: str) -> str:
    """The sha256 of the source file defining a Python step, so editing it re-runs the step."""
    module_name = function.split(":", 1)[0]
    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.origin:
        raise ValueError(f"python step module {module_name!r} not found")
    with open(spec.origin, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@dataclass(frozen=True)
class Action:
    mnemonic: str  # short kind of work: NASM, CC, AR, LINK, IMAGE, TEST...
    owner: str  # label of the target that declared it
    config: str  # configuration name of the owner
    outputs: Tuple[str, ...]
    inputs: Tuple[str, ...]
    argv: Optional[Tuple[str, ...]] = None  # a command line...
    function: Optional[str] = None  # ...or "module:function" called in the engine
    params: str = "{}"  # JSON parameters of a Python step
    env: Tuple[Tuple[str, str], ...] = ()
    depfile: Optional[str] = None  # a make-style depfile written by the command (header deps)
    tools: Tuple[str, ...] = ()  # identities of the programs it runs
    progress: str = ""  # a detail for the progress line, e.g. the source file

    @property
    def key(self) -> str:
        return _action_key(self)

    def to_json(self) -> Dict:
        data = {
            "mnemonic": self.mnemonic,
            "owner": self.owner,
            "config": self.config,
            "outputs": list(self.outputs),
            "inputs": list(self.inputs),
            "argv": list(self.argv) if self.argv is not None else None,
            "function": self.function,
            "params": self.params,
            "env": dict(self.env),
            "depfile": self.depfile,
            "tools": list(self.tools),
            "progress": self.progress,
            "key": self.key,
        }
        return data


@lru_cache(maxsize=None)
def _action_key(action: Action) -> str:
    payload = {
        "argv": action.argv,
        "function": action.function,
        "function_digest": python_step_digest(action.function) if action.function else None,
        "params": action.params,
        "env": action.env,
        "outputs": action.outputs,
        "depfile": action.depfile,
        "tools": action.tools,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
