"""The tiers of a tiered module registry (docs/tiers.md): each module built once per tier, in one
graph, each tier linked for its own slot so that the kernel holds them all and moves a module
from tier to tier with one pointer store.

    quick  -O1            O2  -O2 (the default a user would build)          O3  -O3
    pgo    -O3 with clang's IR profile of the module (tier_profiles/<module>.profdata): at O3
           rather than O2, it was the best tier of more modules (docs/tiers.md)
"""
import os

from bfbuild.api import SourceFile

SLOT = 0x00200000
TIER_SLOT_SIZE = 0x00080000  # BF_MODULE_TIER_SLOT_SIZE in kernel/include/bf/module.h
MAX_TIERS = 4                # the 2 MiB module area holds four tier slots
LEVELS = {"quick": "O1", "O2": "O2", "O3": "O3", "pgo": "O3"}
DEFAULT_THRESHOLDS = "100, 1000, 10000"


def thresholds(ctx, tiers):
    """The calls after which tier k + 1 is tried: positive, rising, one per promotion."""
    text = ctx.attr["tier_thresholds"]
    try:
        values = [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        values = []
    if not values or any(v <= 0 for v in values) or values != sorted(set(values)):
        raise ctx.fail(f"tier_thresholds '{text}' must be rising positive call counts, "
                       f"e.g. '{DEFAULT_THRESHOLDS}'")
    if len(values) < len(tiers) - 1:
        raise ctx.fail(f"tier_thresholds names {len(values)} call counts for "
                       f"{len(tiers) - 1} promotions ({' -> '.join(tiers)})")
    return values


def check_tiers(ctx):
    tiers = ctx.attr["tiers"]
    unknown = [t for t in tiers if t not in LEVELS]
    if unknown:
        raise ctx.fail(f"unknown tier '{unknown[0]}'; tiers are {', '.join(LEVELS)}")
    if len(set(tiers)) != len(tiers) or not 2 <= len(tiers) <= MAX_TIERS:
        raise ctx.fail(f"'tiers' takes 2 to {MAX_TIERS} different tiers, lowest first")
    if ctx.attr["variants"]:
        raise ctx.fail("a registry with 'tiers' is built for the configuration's CPU only: "
                       "drop 'variants'")
    if "pgo" in tiers and not ctx.attr["tier_profiles"]:
        raise ctx.fail("the 'pgo' tier needs 'tier_profiles' (e.g. profiles/tinyllama-$(cpu))")
    return tiers


def tier_overrides(ctx, name, tier, index):
    """The attributes of module `name` in tier `tier`, the index-th of the registry."""
    overrides = {"opt": LEVELS[tier], "tier": tier, "slot": hex(SLOT + index * TIER_SLOT_SIZE)}
    if tier == "pgo":
        folder = ctx.attr["tier_profiles"].replace("$(cpu)", ctx.config["cpu"])
        path = f"{folder}/{name}.profdata"
        if not os.path.exists(os.path.join(ctx.workspace_root, path)):
            raise ctx.fail(f"no clang profile {path} for the pgo tier of {name}",
                           hint=f"record it with: bfbuild pgo //images:tinyllama --cpu "
                                f"{ctx.config['cpu']} --update-profiles")
        ctx.note_input(path)
        overrides["ir_profile"] = SourceFile(path)
    return overrides


def tiered_modules(ctx, labels, module_info):
    """ModuleInfo of every module in every tier, a module's tiers consecutive, lowest first."""
    tiers = check_tiers(ctx)
    modules = []
    for label in labels:
        name = ctx.dep(label).get(module_info).name
        for index, tier in enumerate(tiers):
            info = ctx.dep_in(label, overrides=tier_overrides(ctx, name, tier, index)).get(module_info)
            if info is None:
                raise ctx.fail(f"{label} is not an embed-module target")
            modules.append(info)
    return modules
