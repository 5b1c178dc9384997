"""`bfbuild pgo IMAGE --cpu X`: refresh the image's profile, rebuild it optimised, and compare.

1. build the image's pgo-profile target (boots under -icount shift=0,sleep=off); the profile lands
   in profiles/<image>-<cpu>.json, and the clang profiles (IR PGO) in profiles/<image>-<cpu>/,
   when they changed;
2. build the image in the `off`, `on` (levels classified from the profile) and, with IR PGO,
   `ir` (clang's -fprofile-instr-use) configurations, in one graph;
3. boot them under icount and tabulate, per module: calls, instructions per call in each, the
   speed-ups, and each variant's text size and hash, so that a level that changed nothing shows
   up as an identical hash. The geometric means of the speed-ups close the table.
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

from bfbuild.api import Configuration  # noqa: F401  (the type of `config`)
from bfbuild.api import BfError, BuildFailure
from bfbuild.api import Label
from bfbuild_unikernel.pgo.profile import extract_profile, validate_profile
from bfbuild_unikernel.providers import CpuInfo, ImageInfo, RegistryInfo
from bfbuild_unikernel.qemu.boot import boot, qemu_argv

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
    from bfbuild.api import reachable

    for node in reachable([configured]):
        info = node.get(RegistryInfo)
        if info is not None:
            return info
    raise BfError(f"{configured.label} embeds no module registry")


def _boot_profile(session, configured, cpu_model: str) -> Dict:
    image = configured.get(ImageInfo)
    qemu = session.host_tool(image.qemu_system)
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
    recorded = [root / f for f in analysis.top[0].files()]
    checked_in = root / PROFILES_DIR / f"{image_label.name}-{cpu}.json"
    ir_dir = checked_in.with_suffix("")
    changed = _check_in(recorded[0], checked_in)
    for path in recorded[1:]:
        changed |= _check_in(path, ir_dir / path.name)
    print(f"bfbuild pgo: profiles {checked_in.relative_to(root)}"
          f"{f' and {ir_dir.relative_to(root)}/' if recorded[1:] else ''} "
          f"{'refreshed' if changed else 'unchanged'}")
    # 2. Baseline and optimised images in one graph.
    modes = ["off", "on"] + (["ir"] if recorded[1:] else [])
    configs = [config.with_values(pgo=mode) for mode in modes]
    analysis = build([image_label], configs)
    by_mode = {ct.config.get("pgo") or "off": ct for ct in analysis.top}
    baseline, optimised, ir = by_mode.get("off"), by_mode.get("on"), by_mode.get("ir")
    if optimised is None or baseline is None or baseline is optimised:
        raise BfError(f"{image_label} does not change with --pgo on",
                      hint="give its module-registry a 'pgo_profile' attribute")
    # 3. Boot both under icount and compare.
    cpu_model = session.analyzer.axis_target("cpu", cpu, config).get(CpuInfo).qemu_cpu
    before, after = (_boot_profile(session, ct, cpu_model) for ct in (baseline, optimised))
    with_ir = {m["name"]: m for m in _boot_profile(session, ir, cpu_model)["modules"]} if ir else {}
    modules_ir = {m.name: m for m in _registry(ir).modules} if ir else {}
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
        row_ir = {}
        if name in with_ir:
            per_call_ir = with_ir[name]["total_cycles"] / with_ir[name]["calls"]
            size_ir, hash_ir = text_of(root / modules_ir[name].elf)
            row_ir = {"instructions_ir": round(per_call_ir), "speedup_ir": per_call_before / per_call_ir,
                      "text_ir": size_ir, "hash_ir": hash_ir}
        rows.append({"module": name, "calls": module["calls"], **row_ir,
                     "level_before": modules_before[name].opt_level,
                     "level_after": levels.get(name, modules_after[name].opt_level),
                     "instructions_before": round(per_call_before),
                     "instructions_after": round(per_call_after),
                     "speedup": per_call_before / per_call_after,
                     "text_before": size_before, "text_after": size_after,
                     "hash_before": hash_before, "hash_after": hash_after})
    report = {"image": str(image_label), "cpu": cpu, "profile": str(checked_in.relative_to(root)),
              "unit": "guest instructions per call (QEMU -icount shift=0,sleep=off)",
              "modules": rows, "geomean_speedup": _geomean(r["speedup"] for r in rows)}
    if ir:
        report["geomean_speedup_ir"] = _geomean(r["speedup_ir"] for r in rows)
    _write(root, image_label, cpu, report)
    return report


def _geomean(values) -> float:
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 1.0


def _check_in(recorded: Path, checked_in: Path) -> bool:
    """Copy a recorded profile to its checked-in place; True when that changed it."""
    checked_in.parent.mkdir(parents=True, exist_ok=True)
    if checked_in.exists() and checked_in.read_bytes() == recorded.read_bytes():
        return False
    shutil.copyfile(recorded, checked_in)
    return True


def markdown(report: Dict) -> str:
    has_ir = "geomean_speedup_ir" in report
    lines = [f"# PGO report: {report['image']} on {report['cpu']}", "",
             f"Profile: `{report['profile']}`. Numbers are {report['unit']}: rdtsc counts "
             "instructions under icount, not cycles. `on`: each module at the level its profile "
             "earns; " + ("`ir`: each module at its own level, optimised by clang with its "
                          "instrumentation profile (-fprofile-instr-use)." if has_ir else ""), ""]
    head = "| module | calls | level | off | on | speed-up on |"
    rule = "|---|---:|---|---:|---:|---:|"
    if has_ir:
        head += " ir | speed-up ir |"
        rule += "---:|---:|"
    head += " text off / on" + (" / ir" if has_ir else "") + " | hash off / on" + (" / ir" if has_ir else "") + " |"
    rule += "---|---|"
    lines += [head, rule]
    for r in report["modules"]:
        line = (f"| {r['module']} | {r['calls']} | {r['level_before']} -> {r['level_after']} | "
                f"{r['instructions_before']} | {r['instructions_after']} | {r['speedup']:.3f} |")
        sizes, hashes = [r["text_before"], r["text_after"]], [r["hash_before"], r["hash_after"]]
        if has_ir:
            line += f" {r['instructions_ir']} | {r['speedup_ir']:.3f} |"
            sizes.append(r["text_ir"])
            hashes.append(r["hash_ir"])
        line += f" {' / '.join(map(str, sizes))} | {' / '.join(hashes)} |"
        lines.append(line)
    lines += ["", f"Geometric mean speed-up over {len(report['modules'])} modules: "
                  f"**{report['geomean_speedup']:.3f}** with the classified levels (on)"
              + (f", **{report['geomean_speedup_ir']:.3f}** with clang's IR PGO (ir)" if has_ir else "")]
    return "\n".join(lines) + "\n"


def _write(root: Path, image: Label, cpu: str, report: Dict) -> None:
    folder = root / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{image.name}-{cpu}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
