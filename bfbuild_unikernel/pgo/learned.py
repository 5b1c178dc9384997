"""The online loop's decisions as the offline loop's profile (docs/pgo.md, "From the state disk").

The kernel saves, per tier site, the tier it settled on and each tier's measured cost (the TIERS
record of its state disk, decoded by pgo.tiers.decode_record). `merge_learned` turns the sites
that are modules into entries of a profile (format 1, docs/profile-format.md): each gets the
level of its settled tier as `learned`, which classify.plan takes over the thresholds (the
runtime measured which level pays; a tier it rolled back is never learned), and, for a module the
profile does not list yet, its calls and cycles from the record. The inference's sites (matmul)
are no modules of a registry: they are left out.
"""
from __future__ import annotations

import copy
from typing import Dict, List, Mapping, Optional

from bfbuild_unikernel.pgo.classify import LEVEL_ORDER
from bfbuild_unikernel.rules.module_registry_tiers import LEVELS

# The module tiers' levels: the pgo tier is O3 with clang's profile; the offline build, without
# that profile, gets its level.
TIER_LEVELS = LEVELS


def learned_levels(record: Mapping[str, dict]) -> Dict[str, str]:
    """{module: level} of every site whose tiers are module tiers and that settled on one."""
    levels = {}
    for name, site in record.items():
        if set(site["tiers"]) <= set(TIER_LEVELS) and site["settled"] in TIER_LEVELS:
            levels[name] = TIER_LEVELS[site["settled"]]
    return levels


def _entry(name: str, site: dict, level: str) -> dict:
    cost = site["tiers"][site["settled"]]["cost"]
    calls = site["calls"]
    return {"name": name, "calls": calls, "total_cycles": calls * cost,
            "min_cycles": cost if calls else 0, "max_cycles": cost if calls else 0,
            "code_address": 0, "code_size": 0, "opt_level": LEVEL_ORDER.index(level),
            "cpu_tag": "", "source": "state", "loaded": True}


def merge_learned(profile: Optional[Mapping], record: Mapping[str, dict]) -> Dict:
    """`profile` (or an empty one) with the record's learned level on each of its modules."""
    merged = copy.deepcopy(dict(profile)) if profile else {
        "format_version": 1, "timestamp_cycles": 0, "total_calls": 0, "num_modules": 0,
        "modules": []}
    modules: List[dict] = merged["modules"]
    by_name = {m["name"]: m for m in modules}
    for name, level in sorted(learned_levels(record).items()):
        if name not in by_name:
            by_name[name] = _entry(name, record[name], level)
            modules.append(by_name[name])
        by_name[name]["learned"] = level
    merged["num_modules"] = len(modules)
    merged["total_calls"] = sum(m["calls"] for m in modules)
    return merged
