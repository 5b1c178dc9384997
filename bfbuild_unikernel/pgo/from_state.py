"""`bfbuild pgo IMAGE --from-state`: the learned tiers of an adaptive image's state disk (its
TIERS record) merged into the profile the offline PGO build reads (pgo.learned), so that the
next `bfbuild build --pgo on` builds each module at the level the runtime settled on."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from bfbuild.api import BfError, reachable
from bfbuild_unikernel.pgo.learned import learned_levels, merge_learned
from bfbuild_unikernel.pgo.profile import validate_profile
from bfbuild_unikernel.pgo.report import PROFILES_DIR, REPORT_DIR
from bfbuild_unikernel.pgo.tiers import TiersError, decode_record
from bfbuild_unikernel.providers import ImageInfo
from bfbuild_unikernel.state.disk import state_disk_path
from bfbuild_unikernel.state.fat16 import FatError
from bfbuild_unikernel.state.slots import RecordError, read_record

LEARNED_DIR = f"{REPORT_DIR}/learned"  # beside the recorded profiles, never over them


def offline_profile(session, configured, cpu: str) -> str:
    """The JSON profile beside the tiered registry's clang profiles (tier_profiles + .json)."""
    for node in reachable([configured]):
        target = session.targets.targets.get(node.label)
        if target is not None and target.rule.name == "module-registry" \
                and target.attrs.get("tier_profiles"):
            return target.attrs["tier_profiles"].replace("$(cpu)", cpu).rstrip("/") + ".json"
    raise BfError(f"{configured.label} embeds no tiered module registry with 'tier_profiles'",
                  hint="--from-state reads the learned tiers of an adaptive image")


def run(session, configured, cpu: str, update_profiles: bool, profiles_out: Optional[str]) -> Path:
    root = session.root
    state = state_disk_path(configured.get(ImageInfo).image)
    if not (root / state).exists():
        raise BfError(f"no state disk {state} yet",
                      hint=f"boot it first: bfbuild run {configured.label} --state --cpu {cpu}")
    try:
        record = decode_record(read_record(root / state, "TIERS").payload)
    except (RecordError, FatError, TiersError) as exc:
        raise BfError(f"{state}: {exc}", hint="boot the image with --state until it saves its tiers")
    checked_in = root / offline_profile(session, configured, cpu)
    try:
        base = json.loads(checked_in.read_text()) if checked_in.exists() else None
    except ValueError as exc:
        raise BfError(f"{checked_in.relative_to(root)} is not valid JSON: {exc}") from None
    profile = merge_learned(base, record)
    problems = validate_profile(profile)
    if problems:
        raise BfError(f"the profile made from {state} is not valid: {problems[0]}")
    if update_profiles:
        destination = checked_in
    else:
        folder = Path(profiles_out) if profiles_out else root / LEARNED_DIR
        destination = (folder if folder.is_absolute() else root / folder) / checked_in.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(profile, indent=1, sort_keys=True) + "\n")
    levels = learned_levels(record)
    print(f"bfbuild pgo: {len(levels)} learned level(s) from {state}: "
          + ", ".join(f"{name} {level}" for name, level in sorted(levels.items())))
    shown = destination.relative_to(root) if destination.is_relative_to(root) else destination
    print(f"bfbuild pgo: profile written to {shown}"
          + ("" if update_profiles else f" ('--update-profiles' writes {PROFILES_DIR}/ instead)"))
    return destination
