"""The report: per-case tables, the summary table and the markdown document, built only from the
data the run collected (the same data as latest.json). The columns follow the tools that ran."""
from __future__ import annotations

import statistics
from typing import Dict, List

from common import BUILDERS, EXPORTED_TOOLS, TARGET, TOOLS


def summarize(runs: List[Dict]) -> Dict:
    seconds = [r["seconds"] for r in runs]
    return {"runs": len(runs), "median": statistics.median(seconds), "min": min(seconds),
            "cc": [r["cc"] for r in runs], "actions": [r["actions"] for r in runs],
            "cached": [r.get("cached", 0) for r in runs], "seconds": seconds}


def values(items: List[int]) -> str:
    if not items:
        return "-"
    if len(set(items)) == 1:
        return str(items[0])
    return "/".join(str(i) for i in items)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "-"


def exported_tools(cases: List[Dict]) -> List[str]:
    """The tools running the exported graph that took part (SCons and make; ninja when it ran)."""
    return [t for t in EXPORTED_TOOLS if any(t in case.get("rows", {}) for case in cases)]


def case_table(case: Dict) -> List[str]:
    lines = [f"### {case['title']}", ""]
    if case.get("skipped"):
        return lines + [f"Skipped: {case['skipped']}", ""]
    rows = case["rows"]
    bf = rows.get("bfbuild")
    lines += ["| tool | runs | median s | min s | bfbuild / tool | compiler invocations | "
              "actions run | restored from cache |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for tool in TOOLS:
        if tool not in rows:
            continue
        s = rows[tool]
        r = "-" if tool == "bfbuild" or not bf else ratio(bf["median"], s["median"])
        cached = values(s["cached"]) if tool.startswith("bfbuild") else "-"
        lines.append(f"| {tool} | {s['runs']} | {s['median']:.3f} | {s['min']:.3f} | {r} | "
                     f"{values(s['cc'])} | {values(s['actions'])} | {cached} |")
    lines.append("")
    others = [t for t in EXPORTED_TOOLS if t in rows]
    for builder in (b for b in BUILDERS if b in rows and len(others) > 1):
        lines.append(", ".join(f"{builder}/{t} = {ratio(rows[builder]['median'], rows[t]['median'])}x"
                               for t in others) +
                     f" (median wall time; above 1 means {builder} is slower).")
    if case.get("expected_cc") is not None:
        lines.append(f"Expected minimum compiler invocations: {case['expected_cc']}.")
    for note in case.get("notes", []):
        lines.append(note)
    lines.append("")
    return lines


def summary_table(cases: List[Dict]) -> List[str]:
    others = exported_tools(cases)
    builders = [b for b in BUILDERS if any(b in case.get("rows", {}) for case in cases)]
    main = builders + others
    pairs = [(b, t) for b in builders for t in others]
    lines = [f"### Summary (median wall seconds; compiler invocations {' / '.join(main)})", "",
             "| case | " + " | ".join(f"{t} s" for t in main) + " | "
             + " | ".join(f"{b}/{t}" for b, t in pairs) + " | compiler invocations | expected |",
             "|---|" + "---:|" * (len(main) + len(pairs)) + "---|---:|"]
    for case in cases:
        if case.get("skipped"):
            # the other seconds, the ratios, the compiler invocations and the expected count: empty
            lines.append(f"| {case['title']} | skipped |" + " |" * (len(main) + len(pairs) + 1))
            continue
        rows = case["rows"]
        get = rows.get
        secs = [f"{get(t)['median']:.3f}" if get(t) else "-" for t in main]
        rs = [ratio(get(b)["median"], get(t)["median"]) if get(b) and get(t) else "-"
              for b, t in pairs]
        cc = " / ".join(values(get(t)["cc"]) if get(t) else "-" for t in main)
        expected = case.get("expected_cc")
        lines.append(f"| {case['title']} | {' | '.join(secs)} | {' | '.join(rs)} | {cc} | "
                     f"{'-' if expected is None else expected} |")
    lines.append("")
    return lines


def report(data: Dict) -> str:
    m = data["machine"]
    others = exported_tools(data["cases"])
    title = " vs ".join(["bfbuild", "plain SCons"] + [t for t in others if t != "SCons"])
    lines = [f"# {title}", "",
             f"Run {data['started']}, {data['total_seconds']:.0f} s in all; "
             f"target {TARGET}, -j{data['options']['jobs']}, repeat {data['options']['repeat']}"
             f" (clean builds: {data['options']['clean_repeat']}, matrix clean builds: "
             f"{data['options']['matrix_repeat']}){', quick' if data['options']['quick'] else ''}.",
             "",
             f"Machine: nproc {m['nproc']} (os.cpu_count {m['cpu_count']}), {m['cpu_model']}, "
             f"{m['memory']}, {m['os']}, Linux {m['kernel']}.", ""]
    for name, text in m["tools"].items():
        lines.append(f"- {name}: {text}")
    lines.append("")
    for case in data["cases"]:
        lines += case_table(case)
    lines += summary_table(data["cases"])
    ninja = ("ninja's include reading build.ninja and its .ninja_log and .ninja_deps. "
             if "ninja" in others else "")
    runners = "make, SCons and ninja" if "ninja" in others else "make and SCons"
    lines += ["Caveats: see bench/README.md. bfbuild's times include Python start-up, loading and "
              "analysing the YAML targets and starting its SCons engine; plain SCons's include "
              "Python start-up and reading the generated SConstruct (and all depfiles); make's "
              f"include reading the Makefile and the depfiles. {ninja}{runners} run Python steps "
              "as one `python3 -c` process each, bfbuild runs them inside its engine.", ""]
    return "\n".join(lines)
