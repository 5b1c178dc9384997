"""Actions: the unit of execution. Either a command line or an in-process Python step.

An action's key covers everything but its input files' contents (which SCons signs itself): the
command line, environment, outputs and the identity of every program it runs. A changed flag or an
upgraded compiler therefore re-runs exactly the actions it touches.
"""
from __future__ import annotations

from bfbuild.digest import file_sha256

import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Optional, Tuple, Union


@lru_cache(maxsize=None)
def python_step_digest(function: str, module_file: Optional[str] = None) -> str:
    """The sha256 of the source file defining a Python step, so editing it re-runs the step: the
    file recorded in the action (a workspace plugin's), else the file of the named module."""
    if module_file is None:
        module_name = function.split(":", 1)[0]
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):  # a parent package missing: 'rules.checksum'
            spec = None
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            raise ValueError(f"python step module {module_name!r} not found")
        module_file = spec.origin
    try:
        return file_sha256(module_file)
    except OSError as exc:
        raise ValueError(f"cannot read the file of python step {function}: {module_file}: "
                         f"{exc.strerror}") from None


STEP_HINT = ("a workspace rule's file is not importable by a module name: pass the step's "
             "function itself (ctx.python_action('MNEMONIC', write_digests, ...)) or "
             "f\"{__name__}:write_digests\"; a step of an installed package is "
             "'package.module:function'")


class StepNameError(ValueError):
    """A Python step that cannot be found, with a hint for the user."""

    def __init__(self, message: str, hint: str = STEP_HINT):
        super().__init__(message)
        self.hint = hint


def resolve_python_step(function: Union[str, Callable]) -> Tuple[str, Optional[str]]:
    """("module:function", module file) of a step named by its function object or as
    "module:function", checked: the module imports and has that function. The module file is
    given when the engine (another process) cannot import the module by its name, as for a
    workspace plugin, which bfbuild loads from its path under a generated name; else None.
    Raises StepNameError with a message and a hint for the user."""
    if isinstance(function, str):
        text = function
    elif callable(function):
        module_name = getattr(function, "__module__", None)
        qualname = getattr(function, "__qualname__", "")
        if not module_name or not qualname.isidentifier():
            raise StepNameError(f"python step {qualname or function!r} is not a function defined "
                                f"at the top level of a module: the engine calls a step by its "
                                f"module and name")
        text = f"{module_name}:{qualname}"
    else:
        raise StepNameError(f"a python step is a function or a 'module:function' string, not "
                            f"{type(function).__name__}")
    module_name, colon, func_name = text.partition(":")
    if not colon or not module_name or not func_name.isidentifier():
        raise StepNameError(f"python step {text!r} is not 'module:function'")
    try:
        module = import_step_module(module_name)
    except ValueError as exc:
        raise StepNameError(f"python step {exc}") from None
    if not callable(getattr(module, func_name, None)):
        raise StepNameError(f"python step module {module_name!r} has no function {func_name!r}",
                            hint=f"define {func_name}(inputs, outputs, params) at the top level of "
                                 f"{_module_place(module)}, or correct the name")
    module_file = getattr(module, "__file__", None)
    if not module_file or not os.path.isfile(module_file):
        raise StepNameError(f"python step module {module_name!r} has no source file")
    if _importable_by_name(module_name):
        return text, None
    return text, os.path.abspath(module_file)


def import_step_module(module_name: str):
    """The module of a Python step, imported by name (or already imported). Raises ValueError
    saying "module 'x' not found" or "module 'x' failed to import: Error: message".
    importlib.import_module, not a look in sys.modules: the engine runs steps in threads, and
    it waits while another thread is still executing the module."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name + ".").startswith(exc.name + "."):
            raise ValueError(f"module {module_name!r} not found") from None
        raise ValueError(f"module {module_name!r} failed to import: {one_line(exc)}") from None
    except Exception as exc:  # a broken step module: its error, in one line
        raise ValueError(f"module {module_name!r} failed to import: {one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    """An exception as 'Type: message' on one short line."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _module_place(module) -> str:
    """The module's file (relative to the current folder when below it), else its name."""
    path = getattr(module, "__file__", None)
    if not path:
        return module.__name__
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _importable_by_name(module_name: str) -> bool:
    """Whether a fresh interpreter finds the module's top-level package on sys.path (a
    workspace plugin's generated name is found nowhere)."""
    top = module_name.split(".", 1)[0]
    if top in sys.builtin_module_names:
        return True
    try:
        return importlib.machinery.PathFinder.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True)
class Action:
    mnemonic: str  # short kind of work: NASM, CC, AR, LINK, IMAGE, TEST...
    owner: str  # label of the target that declared it
    config: str  # configuration name of the owner
    outputs: Tuple[str, ...]
    inputs: Tuple[str, ...]
    argv: Optional[Tuple[str, ...]] = None  # a command line...
    function: Optional[str] = None  # ...or "module:function" called in the engine
    module_file: Optional[str] = None  # the step module's file, when not importable by name
    declared_at: str = ""  # FILE:LINE of the rule code that declared a Python step (messages)
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
            "module_file": self.module_file,
            "declared_at": self.declared_at,
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
        "function_digest": python_step_digest(action.function, action.module_file) if action.function else None,
        "params": action.params,
        "env": action.env,
        "outputs": action.outputs,
        "depfile": action.depfile,
        "tools": action.tools,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
