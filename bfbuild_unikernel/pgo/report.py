"""`bfbuild pgo IMAGE --cpu X`: refresh the image's profile, rebuild it optimised, and compare.

1. build the image's pgo-profile target (boots under -icount shift=0,sleep=off) and say how the
   recorded profiles differ from the checked-in ones (profiles/<image>-<cpu>.json, and the clang
   profiles of IR PGO in profiles/<image>-<cpu>/): a diff of the JSON profile, each .profdata
   new, changed or unchanged. They are copied to bfout/pgo/profiles/ (or the folder given);
   profiles/ itself is written only when asked (--update-profiles), file by file, each named;
2. build the image in the `O2` (the baseline: every module at O2 without a profile, the default a
   user would build), `off` (the modules' own levels), `on` (levels classified from the
   profile) and, with IR PGO, `ir` (clang's -fprofile-instr-use) configurations, in one graph;
3. boot them under icount and tabulate, per module: instructions per call in each, the
   speed-ups against `O2` (every build slower than it flagged), and each build's text size and
   hash, so that a level that changed nothing shows up as an identical hash. The geometric
   means of the speed-ups against `O2` close the table (report_markdown.py).
Reports go to bfout/pgo/<image>-<cpu>.md and .json.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import math
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from elftools.elf.elffile import ELFFile

from bfbuild.api import Configuration  # noqa: F401  (the type of `config`)
from bfbuild.api import BfError, BuildFailure
from bfbuild.api import OUTPUT_DIR, Label
from bfbuild_unikernel.pgo.profile import extract_profile, validate_profile
from bfbuild_unikernel.pgo.report_markdown import markdown
from bfbuild_unikernel.providers import CpuInfo, ImageInfo, RegistryInfo
from bfbuild_unikernel.qemu.boot import boot, qemu_argv

PROFILES_DIR = "profiles"
REPORT_DIR = f"{OUTPUT_DIR}/pgo"
RECORDED_DIR = f"{REPORT_DIR}/profiles"  # where recorded profiles go unless profiles/ is asked for
DIFF_LINES = 80  # at most this many lines of the profile's diff are printed
ICOUNT = ["-icount", "shift=0,sleep=off"]
BASELINE = "O2"  # the pgo=O2 configuration: every module at O2, no profile


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


def run(session, image_label: Label, config: Configuration, build,
        update_profiles: bool = False, profiles_out: Optional[str] = None) -> Dict:
    """`build(labels, configs)` builds and returns the analysis (the CLI's build and report).

    The recorded profiles go to `profiles_out` (default bfout/pgo/profiles/), or with
    `update_profiles` to profiles/, the checked-in ones the `on` and `ir` builds read."""
    root = session.root
    cpu = config["cpu"]
    # 1. The profile of the instrumented image, as a build output; what differs from the
    # checked-in one is said before anything is written.
    recorder = profile_target(session, image_label)
    analysis = build([recorder], [config])
    recorded = [root / f for f in analysis.top[0].files()]
    checked_in = root / PROFILES_DIR / f"{image_label.name}-{cpu}.json"
    changes = profile_changes(root, recorded, checked_in)
    print("\n".join(describe_changes(root, changes, checked_in)))
    if update_profiles:
        destination = checked_in
    else:
        folder = Path(profiles_out) if profiles_out else root / RECORDED_DIR
        destination = (folder if folder.is_absolute() else root / folder) / checked_in.name
    ir_dest = destination.with_suffix("")
    changed = _copy_profile(recorded[0], destination)
    for path in recorded[1:]:
        changed |= _copy_profile(path, ir_dest / path.name)
    print(f"bfbuild pgo: profiles {_shown(root, destination)}"
          f"{f' and {_shown(root, ir_dest)}/' if recorded[1:] else ''} "
          f"{'refreshed' if changed else 'unchanged'}")
    if not update_profiles and any(change != "unchanged" for change, _, _ in changes):
        print(f"bfbuild pgo: {PROFILES_DIR}/ is left as it is, and the builds below read it; "
              f"'bfbuild pgo {image_label} --update-profiles' writes the recorded profiles there")
    # 2. The baseline (every module at O2, no profile: the default a user would build), the
    # modules' own levels, the classified levels and IR PGO, in one graph.
    modes = [BASELINE, "off", "on"] + (["ir"] if recorded[1:] else [])
    configs = [config.with_values(pgo=mode) for mode in modes]
    analysis = build([image_label], configs)
    by_mode = {ct.config.get("pgo") or "off": ct for ct in analysis.top}
    if by_mode.get("on") is None or by_mode.get("off") is None or by_mode["off"] is by_mode["on"]:
        raise BfError(f"{image_label} does not change with --pgo on",
                      hint="give its module-registry a 'pgo_profile' attribute")
    # 3. Boot each under icount and compare with the baseline, module by module.
    cpu_model = session.analyzer.axis_target("cpu", cpu, config).get(CpuInfo).qemu_cpu
    per_call, registries = {}, {}
    for mode in modes:
        profile = _boot_profile(session, by_mode[mode], cpu_model)
        per_call[mode] = {m["name"]: m["total_cycles"] / m["calls"] for m in profile["modules"]
                          if m["calls"]}
        registries[mode] = {m.name: m for m in _registry(by_mode[mode]).modules}
    plan_file = _registry(by_mode["on"]).plan
    levels = json.loads((root / plan_file).read_text())["levels"] if plan_file else {}
    rows = []
    for name, base in per_call[BASELINE].items():
        if name not in registries[BASELINE]:
            continue
        row = {"module": name, "level_own": registries["off"][name].opt_level,
               "level_on": levels.get(name, registries["on"][name].opt_level),
               "instructions": {}, "speedup": {}, "text": {}, "hash": {}}
        for mode in modes:
            row["instructions"][mode] = round(per_call[mode][name])
            row["speedup"][mode] = base / per_call[mode][name]
            row["text"][mode], row["hash"][mode] = text_of(root / registries[mode][name].elf)
        row["slower_than_O2"] = [m for m in modes[1:] if per_call[m][name] > base]
        rows.append(row)
    report = {"image": str(image_label), "cpu": cpu, "profile": str(checked_in.relative_to(root)),
              "unit": "guest instructions per call (QEMU -icount shift=0,sleep=off)",
              "baseline": BASELINE, "modes": modes, "modules": rows,
              "geomean": {m: _geomean(r["speedup"][m] for r in rows) for m in modes[1:]}}
    _write(root, image_label, cpu, report)
    return report


def _geomean(values) -> float:
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 1.0


def _shown(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _copy_profile(recorded: Path, destination: Path) -> bool:
    """Copy a recorded profile to `destination`; True when that changed it."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists() and destination.read_bytes() == recorded.read_bytes():
        return False
    shutil.copyfile(recorded, destination)
    return True


def profile_changes(root: Path, recorded: List[Path], checked_in: Path) -> List[Tuple[str, Path, Optional[Path]]]:
    """(change, checked-in path, recorded path) for the JSON profile and each .profdata:
    change is "new", "changed" or "unchanged"; a checked-in .profdata the recording no longer
    has is "not recorded" (it is never removed)."""
    ir_dir = checked_in.with_suffix("")
    pairs = [(checked_in, recorded[0])] + [(ir_dir / path.name, path) for path in recorded[1:]]
    changes = []
    for target, source in pairs:
        if not target.exists():
            changes.append(("new", target, source))
        elif target.read_bytes() != source.read_bytes():
            changes.append(("changed", target, source))
        else:
            changes.append(("unchanged", target, source))
    names = {path.name for path in recorded[1:]}
    if recorded[1:] and ir_dir.is_dir():
        changes += [("not recorded", path, None) for path in sorted(ir_dir.glob("*.profdata"))
                    if path.name not in names]
    return changes


def describe_changes(root: Path, changes, checked_in: Path) -> List[str]:
    """What the recorded profiles would change in profiles/: the JSON profile's diff, then one
    line per .profdata that is new, changed or no longer recorded."""
    lines = []
    for change, target, source in changes:
        shown = _shown(root, target)
        if change == "unchanged":
            continue
        if target == checked_in and change == "changed":
            diff = list(difflib.unified_diff(
                target.read_text(errors="replace").splitlines(),
                source.read_text(errors="replace").splitlines(),
                f"{shown} (checked in)", f"{_shown(root, source)} (recorded)", lineterm=""))
            cut = diff[:DIFF_LINES]
            if len(diff) > len(cut):
                cut.append(f"... {len(diff) - len(cut)} more line(s) of diff")
            lines += [f"bfbuild pgo: the recorded profile differs from {shown}:", *cut]
        elif change == "new":
            lines.append(f"bfbuild pgo: new: {shown} (not in {PROFILES_DIR}/ yet)")
        elif change == "changed":
            lines.append(f"bfbuild pgo: changed: {shown} ({target.stat().st_size} -> "
                         f"{source.stat().st_size} bytes)")
        else:
            lines.append(f"bfbuild pgo: {shown} is no longer recorded (kept)")
    unchanged = sum(1 for change, _, _ in changes if change == "unchanged")
    differ = sum(1 for change, _, _ in changes if change in ("new", "changed"))
    lines.append(f"bfbuild pgo: {differ} recorded profile(s) differ from {PROFILES_DIR}/, "
                 f"{unchanged} match")
    return lines


def _write(root: Path, image: Label, cpu: str, report: Dict) -> None:
    folder = root / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{image.name}-{cpu}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
