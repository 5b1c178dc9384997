"""Profile-guided optimisation by classification (the seeds' rule, thresholds in BUILD.yaml):

    O3  when calls >= 10 x T_calls or cycles >= 10 x T_cycles
    O2  when calls >=      T_calls or cycles >=      T_cycles
    O1  when the module was called at all
    its own level (the baseline) when it was never called
and never below the module's own level: a profile only ever raises a level. A module whose entry
has `learned` (the level of the tier the kernel settled on, from its state disk: pgo.learned)
gets that level instead of the thresholds': the runtime measured it.

`cycles` is the module's total_cycles in the profile, recorded under QEMU with
-icount shift=0,sleep=off, where rdtsc counts guest instructions: the numbers are instructions,
and two runs of the same image give the same ones.
"""
from __future__ import annotations

import hashlib
import json
from typing import Dict, Mapping, Optional

DEFAULT_T_CALLS = 100
DEFAULT_T_CYCLES = 100000
LEVEL_ORDER = ("O0", "O1", "O2", "O3")


def thresholds(settings: Optional[Mapping]) -> Dict[str, int]:
    settings = settings or {}
    return {"t_calls": int(settings.get("t_calls", DEFAULT_T_CALLS)),
            "t_cycles": int(settings.get("t_cycles", DEFAULT_T_CYCLES))}


def classify_module(calls: int, cycles: int, baseline: str, t_calls: int, t_cycles: int,
                    learned: Optional[str] = None) -> str:
    if learned in LEVEL_ORDER:
        level = learned
    elif calls >= 10 * t_calls or cycles >= 10 * t_cycles:
        level = "O3"
    elif calls >= t_calls or cycles >= t_cycles:
        level = "O2"
    elif calls > 0:
        level = "O1"
    else:
        return baseline
    if baseline in LEVEL_ORDER and LEVEL_ORDER.index(baseline) > LEVEL_ORDER.index(level):
        return baseline
    return level


def plan(profile: Mapping, baselines: Mapping[str, str], limits: Mapping[str, int]) -> Dict:
    """The optimisation plan: a level per module of `baselines` (module -> its own level)."""
    by_name = {m["name"]: m for m in profile.get("modules", [])}
    levels = {}
    for name, baseline in baselines.items():
        module = by_name.get(name, {})
        levels[name] = classify_module(int(module.get("calls", 0)), int(module.get("total_cycles", 0)),
                                       baseline, limits["t_calls"], limits["t_cycles"],
                                       module.get("learned"))
    return {"thresholds": dict(limits), "profile_sha256": profile_digest(profile), "levels": levels}


def profile_digest(profile: Mapping) -> str:
    return hashlib.sha256(json.dumps(profile, sort_keys=True).encode()).hexdigest()
