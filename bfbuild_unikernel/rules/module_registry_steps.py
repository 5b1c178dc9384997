"""The Python steps of a module registry: the C table of module blobs (from the Jinja2 template
beside this file), and the results each module must print, computed by its host reference."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import jinja2

from bfbuild.api import StepError, file_sha256

TEMPLATE = os.path.join(os.path.dirname(__file__), "module_registry.c.j2")


def template_digest() -> str:
    """Part of the step's parameters, so that editing the template re-renders every registry."""
    return file_sha256(TEMPLATE)


def render_registry(inputs, outputs, params):
    """Python step: blobs -> registry.c."""
    modules, seen = [], set()
    for path, meta in zip(inputs, params["modules"]):
        if meta.get("tier") and meta["name"] in seen:  # a higher tier: on the data disk only
            modules.append({**meta, "size": 0, "rows": []})
            continue
        seen.add(meta["name"])
        data = open(path, "rb").read()
        hexes = [f"0x{byte:02x}," for byte in data]
        rows = [" ".join(hexes[i:i + 16]) for i in range(0, len(hexes), 16)]
        modules.append({**meta, "size": len(data), "rows": rows})
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    with open(TEMPLATE, encoding="utf-8") as handle:
        text = env.from_string(handle.read()).render(modules=modules, work=params["work"],
                                                     label=params["label"],
                                                     profile=params["profile"],
                                                     thresholds=params.get("thresholds", [100, 1000, 10000]),
                                                     tiered=bool(params.get("thresholds")))
    with open(outputs[0], "w", encoding="utf-8") as handle:
        handle.write(text)
    if params.get("plan"):  # the PGO plan the levels came from, as a JSON artifact
        with open(outputs[1], "w", encoding="utf-8") as handle:
            json.dump(params["plan"], handle, indent=1, sort_keys=True)


def run_references(inputs, outputs, params):
    """Python step: each module's reference script -> one JSON of expected results.

    The scripts run in a folder holding copies of the action's inputs alone (the references and
    their modules' reference_libs, at their workspace paths): a reference that imports a file it
    does not declare fails here, instead of going stale in the action cache."""
    expected = {}
    with tempfile.TemporaryDirectory(prefix="bfbuild-reference-") as sandbox:
        for path in inputs:
            _stage(path, sandbox)
        for name, script in zip(params["names"], params["scripts"]):
            expected[name] = _run_reference(name, script, sandbox, params["work"])
    with open(outputs[0], "w", encoding="utf-8") as handle:
        json.dump({"work": params["work"], "modules": expected}, handle, indent=1, sort_keys=True)


def _stage(path: str, sandbox: str) -> None:
    relative = os.path.relpath(path)
    if relative.startswith(os.pardir):
        raise StepError(f"reference input {path} is outside the workspace")
    os.makedirs(os.path.join(sandbox, os.path.dirname(relative)), exist_ok=True)
    shutil.copyfile(path, os.path.join(sandbox, relative))


def _run_reference(name: str, script: str, sandbox: str, work: int) -> dict:
    # -E -s: no PYTHONPATH and no user site-packages; of the workspace, only the staged copies.
    argv = [sys.executable, "-E", "-s", os.path.relpath(script), "--work", str(work)]
    proc = subprocess.run(argv, cwd=sandbox, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        hint = ("\nit imports a file that is not an input: list it in 'reference_libs' of the "
                "module's target (e.g. //modules/common:modlib_py)"
                if "ModuleNotFoundError" in proc.stderr else "")
        raise StepError(f"reference {script} failed ({proc.returncode}):\n{proc.stderr}{hint}")
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise StepError(f"reference {script} printed no JSON line: {proc.stdout!r}") from None
    if result.get("module") != name or "expect" not in result:
        raise StepError(f"reference {script} must print "
                        f"{{\"module\": \"{name}\", \"expect\": ...}}, got {result}")
    return {"expect": result["expect"], "tolerance": int(result.get("tolerance", 0))}
