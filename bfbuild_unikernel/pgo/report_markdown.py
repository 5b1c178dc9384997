"""The PGO report of `bfbuild pgo IMAGE` as Markdown (bfbuild_unikernel.pgo.report makes it):
every configuration against the baseline, the modules at O2 without a profile."""
from __future__ import annotations

from typing import Dict

WHAT = {"off": "each module at its own level (O1 for these modules, the quick tier)",
        "on": "each module at the level its profile earns",
        "ir": "each module at its own level, optimised by clang with its instrumentation "
              "profile (-fprofile-instr-use)"}


def markdown(report: Dict) -> str:
    base, others = report["baseline"], report["modes"][1:]
    lines = [f"# PGO report: {report['image']} on {report['cpu']}", "",
             f"Profile: `{report['profile']}`. Numbers are {report['unit']}: rdtsc counts "
             f"instructions under icount, not cycles. Baseline `{base}`: every module at {base} "
             "without a profile, the default a user would build, measured in the same run. "
             + " ".join(f"`{mode}`: {WHAT[mode]}." for mode in others)
             + f" Speed-ups are against `{base}`; **slower** marks a build slower than it.", ""]
    lines += [f"| module | level own -> on | {base} | "
              + " | ".join(f"{m} | speed-up {m}" for m in others)
              + " | text " + " / ".join(report["modes"]) + " | hash " + " / ".join(report["modes"]) + " |",
              "|---|---|---:|" + "---:|---:|" * len(others) + "---|---|"]
    for r in report["modules"]:
        cells = [f"{r['instructions'][m]}" + (" **slower**" if m in r["slower_than_O2"] else "")
                 + f" | {r['speedup'][m]:.3f}" for m in others]
        lines.append(f"| {r['module']} | {r['level_own']} -> {r['level_on']} | "
                     f"{r['instructions'][base]} | " + " | ".join(cells)
                     + f" | {' / '.join(str(r['text'][m]) for m in report['modes'])}"
                     f" | {' / '.join(r['hash'][m] for m in report['modes'])} |")
    slower = sorted({f"{r['module']} ({m})" for r in report["modules"] for m in r["slower_than_O2"]})
    lines += ["", f"Geometric mean speed-up against {base} over {len(report['modules'])} modules: "
              + ", ".join(f"**{report['geomean'][m]:.3f}** ({m})" for m in others) + ".",
              "", "Slower than O2: " + (", ".join(slower) if slower else "none") + "."]
    return "\n".join(lines) + "\n"
