"""What the PGO configurations do to a module registry: under pgo=on each module is built at the
level its checked-in profile earns (classify.plan); under pgo=O2 every module at O2 (the
baseline); under pgo=instrument / pgo=ir, with IR PGO, modules get clang's counters or are
optimised with the checked-in .profdata files."""
import json
import os
from typing import Dict, Optional

from bfbuild.api import SourceFile
from bfbuild_unikernel.pgo.classify import plan, thresholds
from bfbuild_unikernel.pgo.profile import validate_profile
from bfbuild_unikernel.providers import ModuleInfo


def pgo_plan(ctx):
    """In the pgo=on configuration: the plan made from the checked-in profile, else None."""
    if not ctx.attr["pgo_profile"] or ctx.config.get("pgo") != "on":
        return None
    if ctx.attr["variants"]:
        raise ctx.fail("a registry with 'variants' cannot also follow a profile (pgo=on)")
    path = ctx.attr["pgo_profile"].replace("$(cpu)", ctx.config["cpu"])
    try:
        profile = json.loads(ctx.read_source(path))
    except FileNotFoundError:
        raise ctx.fail(f"no checked-in profile {path} for the pgo=on configuration",
                       hint=f"make it with: bfbuild pgo <image> --cpu {ctx.config['cpu']}") from None
    except ValueError as exc:
        raise ctx.fail(f"{path} is not valid JSON: {exc}") from None
    problems = validate_profile(profile)
    if problems:
        raise ctx.fail(f"{path} is not a valid profile: {problems[0]}")
    baselines = {ctx.dep(label).get(ModuleInfo).name: ctx.dep(label).get(ModuleInfo).opt_level
                 for label in ctx.attr["modules"]}
    return plan(profile, baselines, thresholds(ctx.setting("pgo")))


def baseline_levels(ctx) -> Optional[Dict[str, str]]:
    """In the pgo=O2 configuration (the baseline of `bfbuild pgo`): O2 for every module."""
    if not ctx.attr["pgo_profile"] or ctx.config.get("pgo") != "O2":
        return None
    return {ctx.dep(label).get(ModuleInfo).name: "O2" for label in ctx.attr["modules"]}


def ir_profile_dir(pattern: str, cpu: str) -> str:
    """Where the clang profiles of an image live: beside its cycle profile, without '.json'."""
    path = pattern.replace("$(cpu)", cpu)
    return path[:-len(".json")] if path.endswith(".json") else path + ".d"


def ir_overrides(ctx, name: str) -> Optional[Dict]:
    """The attribute changes IR PGO makes to module `name` in this configuration, or None."""
    mode = ctx.config.get("pgo")
    if not ctx.attr["ir_pgo"] or mode not in ("instrument", "ir"):
        return None
    if ctx.config.get("toolchain") != "clang":
        raise ctx.fail("IR PGO needs the clang toolchain (its profile format is clang 14's)")
    if mode == "instrument":
        return {"ir_pgo": "generate"}
    path = f"{ir_profile_dir(ctx.attr['pgo_profile'], ctx.config['cpu'])}/{name}.profdata"
    if not os.path.exists(os.path.join(ctx.workspace_root, path)):
        raise ctx.fail(f"no checked-in clang profile {path} for --pgo ir",
                       hint=f"make it with: bfbuild pgo <image> --cpu {ctx.config['cpu']}")
    ctx.note_input(path)
    return {"ir_profile": SourceFile(path)}


