"""`bfbuild pgo IMAGE --cpu X`: refresh the image's profile, rebuild it optimised, and compare.

1. build the image's pgo-profile target: the `instrument` configuration booted under
   -icount shift=0,sleep=off; the profile lands in profiles/<image>-<cpu>.json when it changed;
2. build the image in the `off` and `on` configurations (one graph; `on` classifies that profile);
3. boot both under icount and tabulate, per module: calls, instructions per call in each, the
   speed-up, and each variant's text size and hash, so that a level that changed nothing shows
   up as an identical hash. The geometric mean of the speed-ups closes the table.
Reports go to bfout/pgo/<image>-<cpu>.md and .json.
"""
from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path
from typing import Dict, List, Tuple

from elftools.elf.elffile import ELFFile

from .configuration import Configuration
from .errors import BfError, BuildFailure
from .labels import Label
from .profile import extract_profile, validate_profile
from .providers import CpuInfo, ImageInfo, RegistryInfo
from .qemu import boot, qemu_argv

PROFILES_DIR = "profiles"
REPORT_DIR = "bfout/pgo"
ICOUNT = ["-icount", "shift=0,sleep=off"]


def profile_target(session, image: Label) -> Label:
    for label, target in session.targets.targets.items():
        if target.rule.name == "pgo-profile" and target.attrs["image"] == image:
            return label
    raise BfError(f"no pgo-profile target records the profile of {image}",
                  hint=f"add one: 'NAME: {{rule: pgo-profile, image: \"{image}\"}}'")


def text_of(elf_path: Path) -> Tuple[int, str]:
    """Size and sha256 (first 12 hex digits) of an ELF's code."""
    with open(elf_path, "rb") as handle:
        elf = ELFFile(handle)
        code = b"".join(s.data() for s in elf.iter_sections()
                        if s["sh_flags"] & 0x4 and s["sh_type"] == "SHT_PROGBITS")
    return len(code), hashlib.sha256(code).hexdigest()[:12]


def _registry(configured) -> RegistryInfo:
    from .graph import reachable

    for node in reachable([configured]):
        info = node.get(RegistryInfo)
        if info is not None:
            return info
    raise BfError(f"{configured.label} embeds no module registry")


def _boot_profile(session, configured, cpu_model: str) -> Dict:
    image = configured.get(ImageInfo)
    qemu = session.toolchains.host_tool(image.qemu_system)
    data_disk = str(session.root / image.data_disk) if image.data_disk else None
    result = boot(qemu_argv(qemu.path, str(session.root / image.image), cpu_model, extra=ICOUNT,
                            data_disk=data_disk), timeout=600)
    if not result.success:
        raise BuildFailure(f"{configured} did not boot cleanly under icount: {result.describe()}")
    profile = extract_profile(result.lines)
    problems = validate_profile(profile)
    if problems:
        raise BuildFailure(f"{configured}: invalid profile: {problems[0]}")
    return profile


def run(session, image_label: Label, config: Configuration, build) -> Dict:
    """`build(labels, configs)` builds and returns the analysis (the CLI's build and report)."""
    root = session.root
    cpu = config["cpu"]
    # 1. The profile of the instrumented image, as a build output, then checked in.
    recorder = profile_target(session, image_label)
    analysis = build([recorder], [config])
    recorded = root / analysis.top[0].files()[0]
    checked_in = root / PROFILES_DIR / f"{image_label.name}-{cpu}.json"
    checked_in.parent.mkdir(exist_ok=True)
    changed = not checked_in.exists() or checked_in.read_bytes() != recorded.read_bytes()
    if changed:
        shutil.copyfile(recorded, checked_in)
    print(f"bfbuild pgo: profile {checked_in.relative_to(root)} "
          f"{'refreshed' if changed else 'unchanged'}")
    # 2. Baseline and optimised images in one graph.
    configs = [Configuration.of({**dict(config.items), "pgo": mode}) for mode in ("off", "on")]
    analysis = build([image_label], configs)
    by_mode = {ct.config.get("pgo") or "off": ct for ct in analysis.top}
    baseline, optimised = by_mode.get("off"), by_mode.get("on")
    if optimised is None or baseline is None or baseline is optimised:
        raise BfError(f"{image_label} does not change with --pgo on",
                      hint="give its cache-registry a 'pgo_profile' attribute")
    # 3. Boot both under icount and compare.
    cpu_model = session.analyzer.axis_target("cpu", cpu, config).get(CpuInfo).qemu_cpu
    before, after = (_boot_profile(session, ct, cpu_model) for ct in (baseline, optimised))
    plan_file = _registry(optimised).plan
    levels = json.loads((root / plan_file).read_text())["levels"] if plan_file else {}
    modules_before = {m.name: m for m in _registry(baseline).modules}
    modules_after = {m.name: m for m in _registry(optimised).modules}
    rows = []
    profile_after = {m["name"]: m for m in after["modules"]}
    for module in before["modules"]:
        name = module["name"]
        if name not in modules_before or module["calls"] == 0:
            continue
        new = profile_after[name]
        per_call_before = module["total_cycles"] / module["calls"]
        per_call_after = new["total_cycles"] / new["calls"]
        size_before, hash_before = text_of(root / modules_before[name].elf)
        size_after, hash_after = text_of(root / modules_after[name].elf)
        rows.append({"module": name, "calls": module["calls"],
                     "level_before": modules_before[name].opt_level,
                     "level_after": levels.get(name, modules_after[name].opt_level),
                     "instructions_before": round(per_call_before),
                     "instructions_after": round(per_call_after),
                     "speedup": per_call_before / per_call_after,
                     "text_before": size_before, "text_after": size_after,
                     "hash_before": hash_before, "hash_after": hash_after})
    geomean = math.exp(sum(math.log(r["speedup"]) for r in rows) / len(rows)) if rows else 1.0
    report = {"image": str(image_label), "cpu": cpu, "profile": str(checked_in.relative_to(root)),
              "unit": "guest instructions per call (QEMU -icount shift=0,sleep=off)",
              "modules": rows, "geomean_speedup": geomean}
    _write(root, image_label, cpu, report)
    return report


def markdown(report: Dict) -> str:
    lines = [f"# PGO report: {report['image']} on {report['cpu']}", "",
             f"Profile: `{report['profile']}`. Numbers are {report['unit']}: rdtsc counts "
             "instructions under icount, not cycles.", "",
             "| module | calls | level | instructions (off) | instructions (on) | speed-up | "
             "text off | text on | hash off | hash on |",
             "|---|---:|---|---:|---:|---:|---:|---:|---|---|"]
    for r in report["modules"]:
        lines.append(f"| {r['module']} | {r['calls']} | {r['level_before']} -> {r['level_after']} | "
                     f"{r['instructions_before']} | {r['instructions_after']} | {r['speedup']:.3f} | "
                     f"{r['text_before']} | {r['text_after']} | {r['hash_before']} | {r['hash_after']} |")
    lines += ["", f"Geometric mean speed-up over {len(report['modules'])} modules: "
                  f"**{report['geomean_speedup']:.3f}**"]
    return "\n".join(lines) + "\n"


def _write(root: Path, image: Label, cpu: str, report: Dict) -> None:
    folder = root / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{image.name}-{cpu}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
