"""Running one action inside the SCons engine: atomic outputs, captured output, a record line.

Outputs are first written under a `.bftmp/` folder beside their final place and renamed only when
the action succeeded, so an interrupted or failed action never leaves a file a later build could
take as up to date.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from typing import Dict, List, Sequence

from bfbuild.analysis.actions import import_step_module, one_line
from bfbuild.engine.supervision import fault_point

TMP_DIR = ".bftmp"
_FLAG_PREFIX = re.compile(r"^-{1,2}[A-Za-z][A-Za-z0-9_,-]*=?$")  # -o, --out=, -Wl,-Map=


class StepError(Exception):
    """Raised by a Python step to fail its action with a message (no traceback is shown)."""


def temporary_path(output: str) -> str:
    head, tail = os.path.split(output)
    return os.path.join(head, TMP_DIR, tail)


def redirect_argv(argv: Sequence[str], outputs: Sequence[str]) -> List[str]:
    """Point every mention of an output (alone, or after a flag like -o or --out=) at its temp path."""
    mapping = {out: temporary_path(out) for out in outputs}
    redirected = []
    for arg in argv:
        if arg in mapping:
            arg = mapping[arg]
        else:
            for out, tmp in mapping.items():
                if arg.endswith(out) and _FLAG_PREFIX.match(arg[: -len(out)]):
                    arg = arg[: -len(out)] + tmp
                    break
        redirected.append(arg)
    return redirected


def action_environment(extra: Dict[str, str]) -> Dict[str, str]:
    """A small fixed environment: actions must not depend on the caller's shell."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC",
           "SOURCE_DATE_EPOCH": "0"}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    env.update(extra)
    return env


def move_into_place(outputs: Sequence[str], journal) -> None:
    """Rename finished temporary outputs to their final paths, journaled first (engine.journal)."""
    journal.note(outputs)
    fault_point("journaled")
    for out in outputs:
        os.replace(temporary_path(out), out)
    fault_point("renamed")


def run_action(spec: Dict, journal) -> "tuple[bool, str]":
    """Run one action; returns (ok, text to show). Outputs appear only if ok."""
    outputs = spec["outputs"]
    for out in outputs:
        os.makedirs(os.path.dirname(temporary_path(out)) or ".", exist_ok=True)
        _remove(temporary_path(out))
    tmp_outputs = [temporary_path(out) for out in outputs]
    if spec.get("function"):
        ok, text = _run_python_step(spec, tmp_outputs)
    else:
        ok, text = _run_command(spec, tmp_outputs)
    if ok:
        missing = [out for out, tmp in zip(outputs, tmp_outputs) if not os.path.exists(tmp)]
        if missing:
            ok = False
            text += f"\naction did not write its declared output(s): {', '.join(missing)}"
    if ok:
        move_into_place(outputs, journal)
    else:
        for tmp in tmp_outputs:
            _remove(tmp)
    return ok, text


def _run_command(spec: Dict, tmp_outputs: List[str]) -> "tuple[bool, str]":
    argv = redirect_argv(spec["argv"], spec["outputs"])
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=action_environment(spec.get("env") or {}))
    except OSError as exc:
        return False, f"cannot run {argv[0]}: {exc}"
    text = proc.stdout.decode(errors="replace")
    if proc.returncode != 0:
        text = f"command failed with exit status {proc.returncode}:\n  {' '.join(spec['argv'])}\n{text}"
    return proc.returncode == 0, text


def _run_python_step(spec: Dict, tmp_outputs: List[str]) -> "tuple[bool, str]":
    try:
        function = load_python_step(spec)
    except StepError as exc:
        return False, str(exc)
    try:
        text = function(inputs=spec["inputs"], outputs=tmp_outputs,
                        params=json.loads(spec["params"])) or ""
        return True, text
    except StepError as exc:
        return False, str(exc)
    except Exception:  # a bug in a step: report it as that action's failure
        import traceback
        return False, f"python step {spec['function']} raised:\n{traceback.format_exc()}"


_FILE_IMPORT_LOCK = threading.Lock()


def load_python_step(spec: Dict):
    """The function of a Python step: its module imported by name, or loaded from the file the
    action records (a workspace plugin, which has a generated name). Failures raise StepError
    naming the step and where the rule declared it."""
    module_name, _, func_name = spec["function"].partition(":")
    declared = f" (declared at {spec['declared_at']})" if spec.get("declared_at") else ""
    what = f"python step {spec['function']}{declared}"
    module_file = spec.get("module_file")
    if module_file:
        with _FILE_IMPORT_LOCK:  # steps run in threads: one loads the file, the others wait
            module = sys.modules.get(module_name)
            if module is None:
                if not os.path.isfile(module_file):
                    raise StepError(f"{what}: its file {module_file} does not exist")
                module = _load_module_file(module_name, module_file, what)
    else:
        try:
            module = import_step_module(module_name)
        except ValueError as exc:
            raise StepError(f"{what}: {exc}") from None
    function = getattr(module, func_name, None)
    if not callable(function):
        raise StepError(f"{what}: module {module_name!r} has no function {func_name!r}")
    return function


def _load_module_file(module_name: str, path: str, what: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # SystemExit too: a plugin must not end the engine
        del sys.modules[module_name]
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise StepError(f"{what}: importing {path} failed: {one_line(exc)}") from None
    return module


def _remove(path: str) -> None:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass


def parse_depfile(path: str) -> List[str]:
    """Prerequisites of a make-style depfile (as written by clang -MD or nasm -MD), without the
    target. Names are unescaped as make reads them: `\\ ` is a space, `\\#` a hash, `$$` a dollar."""
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        text = handle.read().replace("\\\r\n", " ").replace("\\\n", " ")
    deps: List[str] = []
    for line in text.splitlines():
        words = _depfile_words(line)
        for index, word in enumerate(words):
            if word.endswith(":"):  # the last target of this rule; what follows are prerequisites
                deps.extend(words[index + 1:])
                break
    return deps


def _depfile_words(line: str) -> List[str]:
    if "\\" not in line and "$" not in line:  # nothing escaped: the common line, split at once
        return [word for word in line.replace("\t", " ").split(" ") if word]
    words, word, i = [], [], 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] in " #\t":
            word.append(line[i + 1])
            i += 2
            continue
        if char == "$" and line[i + 1:i + 2] == "$":
            word.append("$")
            i += 2
            continue
        if char in " \t":
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(char)
        i += 1
    if word:
        words.append("".join(word))
    return words


def header_dependencies(spec: Dict, only_existing: bool = True) -> List[str]:
    """The files an action's depfile lists beyond its declared inputs, deduplicated, in order."""
    depfile = spec.get("depfile")
    if not depfile or not os.path.exists(depfile):
        return []
    declared = set(spec["inputs"])
    found = [dep for dep in dict.fromkeys(parse_depfile(depfile)) if dep not in declared]
    return [dep for dep in found if os.path.exists(dep)] if only_existing else found
