"""What every exported build file shares: the graph file, the fixed action environment and the
command line of each action (Python steps as a `python -c` call, compiles optionally through
bench/count_cc.sh). Used by export_scons.py, export_make.py and export_ninja.py."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
COUNT_CC = BENCH / "count_cc.sh"

# The Python-step runner of the brief, verbatim: module:function, inputs, outputs, params.
STEP_SCRIPT = ('import json,sys; from importlib import import_module; m,f=sys.argv[1].split(":"); '
               'getattr(import_module(m),f)(inputs=json.loads(sys.argv[2]), '
               'outputs=json.loads(sys.argv[3]), params=json.loads(sys.argv[4]))')

# The fixed environment bfbuild gives every action (bfbuild/engine/steps.py), plus the PYTHONPATH
# its engine sets so that Python steps import this checkout's modules.
def base_environment() -> Dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC",
           "SOURCE_DATE_EPOCH": "0", "PYTHONPATH": str(REPO)}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


def load_graph(path: os.PathLike) -> Dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def action_argv(spec: Dict, python: str, counter: Optional[str] = None) -> List[str]:
    """The command line that does the action's work, writing to the final output paths."""
    if spec.get("argv") is None:
        return [python, "-c", STEP_SCRIPT, spec["function"], json.dumps(spec["inputs"]),
                json.dumps(spec["outputs"]), spec.get("params") or "{}"]
    argv = list(spec["argv"])
    if counter and spec["mnemonic"] == "CC":
        argv = ["/bin/sh", str(COUNT_CC), counter] + argv
    return argv

