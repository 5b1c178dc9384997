"""`bfbuild pgo` of an image built in tiers (docs/tiers.md): every figure from boots of this run,
under QEMU -icount shift=0,sleep=off (rdtsc counts guest instructions).

- one boot per tier with every site pinned to it (opt/bareflow/tier): instructions per call of
  each site in each tier, and the inference's instructions per token in each;
- two adaptive boots on a fresh writable copy of the data disk: the tiers the runtime settled on
  (boot 1), the learned tiers and their hit rate (boot 2), instructions per token in each.
The baseline is O2, the default a user would build. Reports: bfout/pgo/<image>-<cpu>.md, .json.
"""
from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List

from bfbuild.api import OUTPUT_DIR, BuildFailure, reachable
from bfbuild_unikernel.pgo import tiers as kt
from bfbuild_unikernel.pgo.report import text_of
from bfbuild_unikernel.providers import CpuInfo, ImageInfo, RegistryInfo
from bfbuild_unikernel.qemu.boot import boot, qemu_argv
from bfbuild_unikernel.rules.kernel_tiers import KernelTiersInfo
from bfbuild_unikernel.state.disk import with_state_disk

ICOUNT = ["-icount", "shift=0,sleep=off"]
BASELINE = "O2"
REPORT_DIR = f"{OUTPUT_DIR}/pgo"
# The inference's sites, by the object of the kernel-tiers source that holds their code; they are
# no modules (the modules' geometric means leave them out).
KERNEL_PREFIX = "llama_"
KERNEL_SITES = {"matmul_tier": ("llama_matmul",),
                "ops_tier": ("llama_rmsnorm", "llama_softmax", "llama_rope", "llama_swiglu",
                             "llama_attention")}


def is_tiered(configured) -> bool:
    return any(node.get(KernelTiersInfo) is not None or any(
        m.tier for m in getattr(node.get(RegistryInfo), "modules", ())) for node in reachable([configured]))


def objects_hash(paths) -> str:
    """The code of compiled objects, before linking: each tier of a module is linked for its own
    slot, so its linked code differs in its addresses even where the compiler's does not."""
    return hashlib.sha256("".join(text_of(p)[1] for p in sorted(paths)).encode()).hexdigest()[:12]


def code_hashes(root: Path, configured) -> Dict[str, Dict[str, str]]:
    """{site: {tier: hash of its code}}: a module tier's objects, a kernel tier's objects."""
    hashes: Dict[str, Dict[str, str]] = {}
    for node in reachable([configured]):
        registry, kernel = node.get(RegistryInfo), node.get(KernelTiersInfo)
        for module in getattr(registry, "modules", ()):
            if module.tier:  # embed-module compiles into obj/ beside the ELF
                objects = (root / module.elf).parent.glob("obj/**/*.o")
                hashes.setdefault(module.name, {})[module.tier] = objects_hash(objects)
        if kernel is not None:
            for tier, objects in zip(kernel.tiers, kernel.objects):
                for source, sites in KERNEL_SITES.items():
                    mine = [root / o for o in objects if Path(o).name.startswith(source)]
                    for site in sites if mine else ():
                        hashes.setdefault(site, {})[tier] = objects_hash(mine)
    return hashes


def _boot(argv, what) -> List[str]:
    result = boot(argv, timeout=900)
    if not result.success:
        tail = "\n".join(result.lines[-10:])
        raise BuildFailure(f"{what} did not boot cleanly under icount: {result.describe()}\n{tail}")
    return result.lines


def measure(session, configured, cpu_model: str, tiers: List[str]) -> Dict:
    image = configured.get(ImageInfo)
    qemu = session.host_tool(image.qemu_system).path
    root = session.root
    argv = qemu_argv(qemu, str(root / image.image), cpu_model, extra=ICOUNT,
                     data_disk=str(root / image.data_disk))
    pinned = {}
    for tier in tiers:
        lines = _boot(argv + ["-fw_cfg", f"name=opt/bareflow/tier,string={tier}"], f"tier {tier}")
        pinned[tier] = {"sites": kt.extract_tiers(lines), "per_token": kt.per_token(lines),
                        "tokens": kt.tokens(lines)}
    adaptive = []
    with tempfile.TemporaryDirectory(prefix="bfbuild-tiers-") as scratch:
        disk = str(Path(scratch) / "state.img")  # a fresh state disk: nothing learned yet
        shutil.copyfile(root / image.data_disk, disk)
        for number in (1, 2):
            lines = _boot(with_state_disk(argv, disk), f"adaptive boot {number}")
            adaptive.append({"sites": kt.extract_tiers(lines), "per_token": kt.per_token(lines),
                             "tokens": kt.tokens(lines),
                             "hit_rate": kt.hit_rate(lines), "decisions": kt.decisions(lines)})
    return {"pinned": pinned, "adaptive": adaptive}


def _geomean(values) -> float:
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 1.0


def tabulate(measured: Dict, hashes: Dict) -> Dict:
    boot1, boot2 = measured["adaptive"]
    rows = []
    for name, site in boot1["sites"].items():
        tiers = [t["tier"] for t in site["tiers"]]
        cost = {t: kt.per_call(measured["pinned"][t]["sites"][name], t) for t in tiers}
        base = cost.get(BASELINE)
        best = min((t for t in tiers if cost[t]), key=lambda t: cost[t])
        settled = site["settled"]
        rows.append({"site": name, "tiers": tiers, "instructions_per_call": cost,
                     "hash": hashes.get(name, {}), "settled": settled,
                     "learned": boot2["sites"][name]["learned"], "best": best,
                     "slower_than_O2": [t for t in tiers if base and cost[t] and cost[t] > base],
                     "speedup_best": base / cost[best] if base else None,
                     "speedup_settled": base / cost[settled] if base and cost.get(settled) else None})
    modules = [r for r in rows if not r["site"].startswith(KERNEL_PREFIX)]
    matmul = boot1["sites"].get("llama_matmul", {"tiers": []})
    tokens = {t["tier"]: measured["pinned"][t["tier"]]["per_token"] for t in matmul["tiers"]
              if measured["pinned"][t["tier"]]["per_token"]}
    best_fixed = min(tokens, key=tokens.get) if tokens else None
    llama = {"per_token": tokens, "best_fixed": best_fixed,
             "boot1": boot1["per_token"], "boot2": boot2["per_token"]}
    # Every tier must generate the same tokens: the boots whose differ from the O2 boot's.
    runs = {**{t: p.get("tokens") for t, p in measured["pinned"].items()},
            "boot 1": boot1.get("tokens"), "boot 2": boot2.get("tokens")}
    llama["tokens_differ"] = sorted(t for t, line in runs.items()
                                    if line != runs.get(BASELINE, runs["boot 1"]))
    o2 = tokens.get(BASELINE)
    if o2:
        llama.update({"speedup_best_fixed": o2 / tokens[best_fixed], "speedup_boot1": o2 / boot1["per_token"],
                      "speedup_boot2": o2 / boot2["per_token"]})
    return {"sites": rows, "llama": llama, "hit_rate_boot2": boot2["hit_rate"],
            "decisions_boot1": boot1["decisions"],
            "geomean_best_vs_O2": _geomean(r["speedup_best"] for r in modules),
            "geomean_settled_vs_O2": _geomean(r["speedup_settled"] for r in modules),
            "modules": len(modules)}


def run(session, image_label, config, build) -> Dict:
    """Build the image, boot it pinned to each tier and adaptively twice, write the report."""
    analysis = build([image_label], [config])
    configured = analysis.top[0]
    cpu = config["cpu"]
    cpu_model = session.analyzer.axis_target("cpu", cpu, config).get(CpuInfo).qemu_cpu
    hashes = code_hashes(session.root, configured)
    tiers = list(dict.fromkeys(t for site in hashes.values() for t in site))
    report = {"image": str(image_label), "cpu": cpu, "baseline": BASELINE,
              "unit": "guest instructions (QEMU -icount shift=0,sleep=off)",
              **tabulate(measure(session, configured, cpu_model, tiers), hashes)}
    folder = session.root / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{image_label.name}-{cpu}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    return report


def _cell(row, tier) -> str:
    cost = row["instructions_per_call"].get(tier)
    if cost is None:
        return ""
    mark = " **slower**" if tier in row["slower_than_O2"] else ""
    return f"{cost:.0f}{mark} `{row['hash'].get(tier, '')[:8]}`"


def markdown(report: Dict) -> str:
    tiers = list(dict.fromkeys(t for row in report["sites"] for t in row["tiers"]))
    lines = [f"# Tiers of {report['image']} on {report['cpu']}", "",
             f"Instructions per call under icount in each tier (each measured in a boot pinned to "
             f"it), the code's hash, **slower** than {report['baseline']} flagged; the tier the "
             f"runtime settled on in boot 1 and started from in boot 2 (learned).", "",
             "| site | " + " | ".join(tiers) + " | settled | learned | best vs O2 | settled vs O2 |",
             "|---|" + "---:|" * len(tiers) + "---|---|---:|---:|"]
    for row in report["sites"]:
        speed = [f"{v:.3f}" if v else "" for v in (row["speedup_best"], row["speedup_settled"])]
        lines.append(f"| {row['site']} | " + " | ".join(_cell(row, t) for t in tiers)
                     + f" | {row['settled']} | {row['learned']} | {speed[0]} | {speed[1]} |")
    lines += ["", f"Geometric mean over {report['modules']} modules against O2: best tier "
                  f"**{report['geomean_best_vs_O2']:.3f}**, the tier the runtime settled on "
                  f"**{report['geomean_settled_vs_O2']:.3f}**."]
    llama = report["llama"]
    if llama.get("speedup_boot2"):
        per = llama["per_token"]
        lines += ["", "Llama inference, instructions per token: "
                  + ", ".join(f"{t} {v}" for t, v in per.items())
                  + f"; O2 {per['O2']}, best fixed tier ({llama['best_fixed']}) {per[llama['best_fixed']]} "
                  f"(**{llama['speedup_best_fixed']:.3f}**), adaptive boot 1 {llama['boot1']} "
                  f"(**{llama['speedup_boot1']:.3f}**), boot 2 with learned tiers {llama['boot2']} "
                  f"(**{llama['speedup_boot2']:.3f}**) against O2."]
    if "tokens_differ" in llama:
        differ = llama["tokens_differ"]
        lines += ["", "Tokens: " + ("the same in every boot (each tier pinned, boots 1 and 2)."
                                    if not differ else f"**DIFFER** from O2's in {', '.join(differ)}.")]
    if report["hit_rate_boot2"] is not None:
        lines += ["", f"Boot 2 hit rate: **{100 * report['hit_rate_boot2']:.1f}%** of hot calls "
                      "served by a learned tier from their first call."]
    return "\n".join(lines) + "\n"
