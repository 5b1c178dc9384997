"""The cases of bench/README.md, each a function of the Bench (harness.py) that measures and adds
its table: 1-5 on the default configuration, 6 the CPU matrix, 7 a clean build from a warm cache."""
from __future__ import annotations

from typing import Dict

from common import EXPORTED_TOOLS, MATRIX_CPUS, NO_CACHE, TOOLS, and_list, log, number_word
from edits import IO_H, STRING_C, VGA_C, append_define, append_function, edit_comment
from report import ratio, summarize, values
from workspace import clone


def single_configuration(bench) -> None:
    """Cases 1 (clean), 2a and 2 (no-op), 3 to 5 (edits) on the default configuration."""
    args = bench.args
    tools = bench.tools("ws", "default", server=True)
    exported = and_list(t.name for t in tools if t.name in EXPORTED_TOOLS)
    mtime_tools = and_list(t.name for t in tools if t.name in EXPORTED_TOOLS and t.name != "SCons")
    goals = bench.graphs["default"]["goals"]
    needed_cc = sum(a["mnemonic"] == "CC" for a in bench.graphs["default"]["actions"])
    log("case 1: clean build")
    everyone = list(tools)
    notes = []
    if bench.cache["option"]:
        notes.append(f"bfbuild runs with {bench.cache['option']}=<a folder of its workspace "
                     "copy>: its local action cache is on, as by default, but starts empty "
                     "at every clean build, so a clean build also pays for filling it.")
    if bench.cache["off"]:
        everyone.insert(1, bench.bfbuild(clone(bench.snapshot, bench.path("ws-bfbuild-nocache")),
                                         [bench.cache["off"]], cache_option=None, name=NO_CACHE))
        notes.append(f"`{NO_CACHE}` is the same clean build with the cache off.")
    rows = bench.measure("clean", everyone, args.clean_repeat, wipe=True)
    notes.append(f"Goal outputs byte-identical across the tools: "
                 f"{bench.identical_goals(everyone, goals)}.")
    graph = tools[0].graph()
    if sorted(a["key"] for a in graph["actions"]) != \
            sorted(a["key"] for a in bench.graphs["default"]["actions"]):
        notes.append("Note: the timed bfbuild copy analysed a different graph than the probe "
                     f"whose graph {exported} run (did bfbuild's code change during the "
                     "run?): the comparison is not exact.")
    if min(rows["bfbuild"]["cc"]) < needed_cc:
        notes.append(f"Note: bfbuild compiled fewer files ({values(rows['bfbuild']['cc'])}) than "
                     f"the graph's {needed_cc} compile actions: something outside bfout/ "
                     "(a cache?) served them.")
    bench.add({"id": "clean", "title": f"1. clean build (-j{bench.jobs})", "rows": rows,
               "expected_cc": needed_cc, "notes": notes})

    log("case 2: no-op build")
    first = bench.measure("no-op #1", tools, 1)
    rows = bench.measure("no-op", tools, args.repeat)
    notes = []
    if first["SCons"]["cc"][0]:
        notes.append("Plain SCons recompiles here: ParseDepends now finds the depfiles that "
                     "did not exist at the clean build, so the dependency list of every object "
                     "grew, which SCons takes as a change. From the next build on it is stable.")
    slower = first["bfbuild"]["median"] / max(rows["bfbuild"]["median"], 1e-9)
    if slower > 3:
        notes.append(f"bfbuild's first no-op after a clean build took {slower:.0f}x as long as "
                     "its later no-ops (case 2).")
    bench.add({"id": "noop_first", "title": "2a. first no-op right after the clean build",
               "rows": first, "expected_cc": 0, "notes": notes})
    bench.add({"id": "noop", "title": f"2. no-op build (median of {args.repeat})", "rows": rows,
               "expected_cc": 0})
    if args.quick:
        return

    log("case 3: one-file edit")
    rows = bench.measure("one-file", tools, args.repeat, before_each=append_function)
    bench.add({"id": "one_file", "title": f"3. one-file edit (function appended to {STRING_C})",
               "rows": rows, "expected_cc": bench.includers[STRING_C],
               "notes": ["Each run appends a new function, so every run is a real edit."]})

    log("case 4: header edit")
    rows = bench.measure("header", tools, args.repeat, before_each=append_define)
    relink = "relinks" if mtime_tools == "make" else "relink"
    bench.add({"id": "header", "title": f"4. header edit (#define appended to {IO_H})",
               "rows": rows, "expected_cc": bench.includers[IO_H],
               "notes": [f"{bench.includers[IO_H]} compile action(s) read {IO_H} (from the "
                         "depfiles). The objects do not change (an unused macro), so bfbuild "
                         "and SCons (content signatures) can stop after the compiles; "
                         f"{mtime_tools} {relink}."]})

    log("case 5: comment-only edit")
    rows = bench.measure("comment", tools, args.repeat, before_each=edit_comment)
    rebuilds = ("also re-archives, relinks and rebuilds" if mtime_tools == "make" else
                "also re-archive, relink and rebuild")
    bench.add({"id": "comment",
               "title": f"5. comment-only edit (a word of the first comment of {VGA_C})",
               "rows": rows, "expected_cc": bench.includers[VGA_C],
               "notes": ["Same line count, so the object is byte-identical: with early cutoff "
                         f"only the compile runs; {mtime_tools} {rebuilds} the image.",
                         f"Goal outputs byte-identical across the {number_word(len(tools))} "
                         f"tools after all edits: {bench.identical_goals(tools, goals)}."]})


def matrix_sharing(singles: Dict[str, Dict], matrix: Dict) -> Dict:
    """How the matrix graph compares with the single-CPU graphs (an action is known by its
    outputs; shared = present in more than one single-CPU graph)."""
    key = lambda a: tuple(a["outputs"])  # noqa: E731
    seen: Dict[tuple, int] = {}
    for graph in singles.values():
        for action in graph["actions"]:
            seen[key(action)] = seen.get(key(action), 0) + 1
    shared = {k: n for k, n in seen.items() if n > 1}
    owners: Dict[str, int] = {}
    for action in matrix["actions"]:
        if key(action) in shared:
            owners[action["owner"]] = owners.get(action["owner"], 0) + 1
    total = sum(len(g["actions"]) for g in singles.values())
    return {"single_actions": {cpu: len(g["actions"]) for cpu, g in singles.items()},
            "sum_of_singles": total, "matrix_actions": len(matrix["actions"]),
            "saved": total - len(matrix["actions"]),
            "shared_actions": len(shared),
            "shared_by_all": sum(n == len(singles) for n in shared.values()),
            "shared_by_owner": owners,
            "sum_of_singles_cc": sum(a["mnemonic"] == "CC" for g in singles.values()
                                     for a in g["actions"]),
            "matrix_cc": sum(a["mnemonic"] == "CC" for a in matrix["actions"]),
            "matrix_equals_union_of_singles": set(seen) == {key(a) for a in matrix["actions"]}}


def matrix(bench) -> None:
    """Case 6: the --cpu matrix clean build, and how much of it the configurations share."""
    log("case 6: matrix clean build")
    cpus = ",".join(MATRIX_CPUS)
    graph = bench.graphs["matrix"]
    sharing = matrix_sharing({cpu: bench.graphs[cpu] for cpu in MATRIX_CPUS}, graph)
    owners = sharing["shared_by_owner"]
    owner_text = ", ".join(f"{o} {n}" for o, n in sorted(owners.items(), key=lambda i: -i[1]))
    tools = bench.tools("mx", "matrix", ["--cpu", cpus])
    rows = bench.measure("matrix", tools, bench.args.matrix_repeat, wipe=True)
    by_cpu = ", ".join(f"{cpu} {n}" for cpu, n in sharing["single_actions"].items())
    union_equal = sharing["matrix_equals_union_of_singles"]
    notes = [
        f"Actions: three single-CPU graphs {sharing['sum_of_singles']} ({by_cpu}); the matrix "
        f"graph {sharing['matrix_actions']}: {sharing['saved']} fewer, because "
        f"{sharing['shared_actions']} action(s) are shared between configurations "
        f"({sharing['shared_by_all']} by all three; by target: {owner_text or 'none'}). "
        f"Compile actions: {sharing['sum_of_singles_cc']} vs {sharing['matrix_cc']}.",
        f"The matrix graph is {'exactly' if union_equal else 'NOT'} the union of the three "
        f"single-CPU graphs (actions compared by outputs); "
        f"{and_list(t.name for t in tools[1:])} run that union.",
        f"Goal outputs byte-identical across the {number_word(len(tools))} tools: "
        f"{bench.identical_goals(tools, graph['goals'])}."]
    bench.add({"id": "matrix", "title": f"6. matrix clean build (--cpu {cpus}, -j{bench.jobs})",
               "rows": rows, "expected_cc": sharing["matrix_cc"], "notes": notes,
               "sharing": sharing})


def warm_cache(bench) -> None:
    """Case 7: fresh copies pointed at a cache another copy's clean build filled (bfbuild only)."""
    title = "7. clean build from a warm cache"
    found = bench.cache
    if not found["option"]:
        mentioned = (f" (it mentions {', '.join(found['help_mentions'])}, but none takes a folder)"
                     if found["help_mentions"] else "")
        bench.add({"id": "warm_cache", "title": title, "cache_option": found,
                   "skipped": "`python -m bfbuild build --help` shows no cache option "
                              f"(--cache-dir or similar){mentioned}: bfbuild has no cache to "
                              "measure yet."})
        return
    log(f"case 7: warm cache ({found['option']})")
    option = found["option"]
    cache = bench.path("cache")
    cold = bench.bfbuild(clone(bench.snapshot, bench.path("cache-fill")), cache_dir=cache)
    fill = cold.build()
    bench.progress("cache fill", "bfbuild", 1, 1, fill)
    runs = []
    for r in range(bench.args.clean_repeat):
        warm = bench.bfbuild(clone(bench.snapshot, bench.path(f"cache-use-{r}")), cache_dir=cache)
        run = warm.build()
        bench.progress("warm cache", "bfbuild", r + 1, bench.args.clean_repeat, run)
        runs.append(run)
    rows = {"bfbuild": summarize(runs)}
    clean = next(c for c in bench.cases if c["id"] == "clean")["rows"]
    others = ", ".join(f"{tool} {clean[tool]['median']:.3f}s" for tool in TOOLS if tool in clean)
    ok = all(r["cc"] == 0 for r in runs)
    no_cache = [name for name in bench.tool_names[1:] if name != "SCons"]
    unmeasured = (f"{and_list(no_cache + ['plain SCons'])} are not measured here "
                  f"({and_list(no_cache)} {'has' if len(no_cache) == 1 else 'have'} no cache; "
                  "SCons's CacheDir is not part of the plain export).")
    bench.add({"id": "warm_cache", "title": f"{title} ({option})", "rows": rows,
               "expected_cc": 0, "cache_option": found,
               "notes": [f"Each run is a fresh copy of the workspace (no bfout/) pointed at the "
                         f"cache a clean build of another copy filled ({fill['seconds']:.3f}s). "
                         f"Cold clean builds of case 1: {others}; warm/cold bfbuild = "
                         f"{ratio(rows['bfbuild']['median'], clean['bfbuild']['median'])}.",
                         f"Compiler invocations must be 0: {'yes' if ok else 'NO'}.",
                         unmeasured]})
