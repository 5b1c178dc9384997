"""The kernel's profile export: find it in serial output, parse it, validate it.

The kernel prints one JSON document between the lines '--- BEGIN JSON ---' and
'--- END JSON ---' (schema: docs/profile-format.md). Cycle counts come from rdtsc; under QEMU with
-icount shift=0,sleep=off they count guest instructions and repeat exactly from run to run.
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence

BEGIN, END = "--- BEGIN JSON ---", "--- END JSON ---"
FORMAT_VERSION = 1
TOP_FIELDS = {"format_version": int, "timestamp_cycles": int, "total_calls": int,
              "num_modules": int, "modules": list}
MODULE_FIELDS = {"name": str, "calls": int, "total_cycles": int, "min_cycles": int,
                 "max_cycles": int, "code_address": int, "code_size": int, "opt_level": int,
                 "cpu_tag": str, "source": str, "loaded": bool}

LEARNED_LEVELS = ("O1", "O2", "O3")  # a module's optional `learned` level (pgo.learned)


class ProfileError(ValueError):
    pass


def extract_profile(lines: Sequence[str]) -> Dict:
    """The JSON document between the markers (the last one if several were printed)."""
    try:
        end = len(lines) - 1 - [l.strip() for l in reversed(lines)].index(END)
        begin = max(i for i in range(end) if lines[i].strip() == BEGIN)
    except ValueError:
        raise ProfileError(f"no profile between '{BEGIN}' and '{END}' in the serial output") from None
    text = "\n".join(lines[begin + 1:end])
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ProfileError(f"the profile is not valid JSON: {exc}") from None


def validate_profile(profile: Dict, expect_modules: Optional[Sequence[str]] = None) -> List[str]:
    """Problems with a parsed profile (empty when it is valid)."""
    problems: List[str] = []
    for field, kind in TOP_FIELDS.items():
        if not isinstance(profile.get(field), kind):
            problems.append(f"field '{field}' missing or not {kind.__name__}")
    if problems:
        return problems
    if profile["format_version"] != FORMAT_VERSION:
        problems.append(f"format_version {profile['format_version']}, expected {FORMAT_VERSION}")
    modules = profile["modules"]
    if profile["num_modules"] != len(modules):
        problems.append(f"num_modules is {profile['num_modules']} but {len(modules)} are listed")
    for index, module in enumerate(modules):
        name = module.get("name", f"#{index}")
        for field, kind in MODULE_FIELDS.items():
            value = module.get(field)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                problems.append(f"module {name}: field '{field}' missing or not {kind.__name__}")
        if "learned" in module and module["learned"] not in LEARNED_LEVELS:
            problems.append(f"module {name}: 'learned' must be one of {', '.join(LEARNED_LEVELS)}")
        if any(p.startswith(f"module {name}:") for p in problems):
            continue
        if module["calls"] > 0 and not (module["min_cycles"] <= module["max_cycles"] <= module["total_cycles"]):
            problems.append(f"module {name}: min <= max <= total does not hold")
        if module["calls"] > 0 and module["total_cycles"] < module["calls"] * module["min_cycles"]:
            problems.append(f"module {name}: total_cycles below calls x min_cycles")
    if sum(m.get("calls", 0) for m in modules if isinstance(m.get("calls"), int)) != profile["total_calls"]:
        problems.append("total_calls is not the sum of the modules' calls")
    if expect_modules is not None:
        listed = {m.get("name") for m in modules}
        for name in expect_modules:
            if name not in listed:
                problems.append(f"module {name} is missing from the profile")
        for module in modules:
            if module.get("name") in expect_modules and module.get("calls", 0) <= 0:
                problems.append(f"module {module.get('name')} was never called")
    return problems
