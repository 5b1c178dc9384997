#!/usr/bin/env python3
"""bfbuild against plain SCons and a Makefile running the same action graph, side by side.

    python bench/run.py [--repeat N] [--jobs J] [--quick] [--keep] [--workdir DIR]

Every tool works in its own copy of the workspace (BUILD.yaml, targets, kernel, apps, modules,
toolchains), taken from one snapshot of this checkout. The SConstruct and Makefile are generated
by bench/export.py from the graph bfbuild analysed (bfout/.bfbuild/graph.json). Only bfbuild's
command line and the files it writes are used: graph.json and last_build.jsonl.
See bench/README.md for the cases and the caveats.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import export  # noqa: E402  (bench/export.py)

WORKSPACE_ITEMS = ("BUILD.yaml", "targets", "kernel", "apps", "modules", "toolchains")
TARGET = "//images:tinyllama"
MATRIX_CPUS = ("i686", "core2", "haswell")
STATE = Path("bfout/.bfbuild")
STRING_C = "kernel/runtime/string.c"
IO_H = "kernel/include/bf/io.h"
VGA_C = "kernel/runtime/vga.c"
RESULTS = BENCH / "results"
NO_CACHE = "bfbuild --no-cache"
TOOLS = ("bfbuild", NO_CACHE, "SCons", "make")  # the order of the rows in the tables


class BenchError(Exception):
    pass


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def child_environment(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The caller's environment without what would change how the tools behave: make and SCons
    flags, and bfbuild's cache settings (a user's cache must neither serve nor be filled)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SCONSFLAGS", "GNUMAKEFLAGS")
           and not k.startswith("BFBUILD_")}
    env.update(extra or {})
    return env


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ------------------------------------------------------------------------------- workspaces

def snapshot_workspace(destination: Path) -> None:
    """One consistent copy of the checkout's workspace; every tool's copy is made from it."""
    destination.mkdir(parents=True)
    ignore = shutil.ignore_patterns("bfout", "__pycache__", ".bftmp")
    for item in WORKSPACE_ITEMS:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, destination / item, ignore=ignore, symlinks=True)
        elif source.exists():
            shutil.copy2(source, destination / item)


def clone(snapshot: Path, destination: Path) -> Path:
    shutil.copytree(snapshot, destination, symlinks=True)
    return destination


def file_stat(path: Path):
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def parse_depfile(path: Path) -> List[str]:
    text = path.read_text(errors="replace").replace("\\\n", " ")
    deps = []
    for line in text.splitlines():
        _, sep, rest = line.partition(": ")
        if sep:
            deps += [os.path.normpath(t.replace("\\ ", " "))
                     for t in re.split(r"(?<!\\)\s+", rest.strip()) if t]
    return deps


def compiles_reading(root: Path, graph: Dict, relative: str) -> int:
    """CC actions whose inputs or depfile (directly or transitively included) name the file."""
    count = 0
    for spec in graph["actions"]:
        if spec["mnemonic"] != "CC":
            continue
        names = {os.path.normpath(i) for i in spec["inputs"]}
        if spec.get("depfile") and (root / spec["depfile"]).exists():
            names.update(parse_depfile(root / spec["depfile"]))
        count += relative in names
    return count


def goal_digests(root: Path, goals: Sequence[str]) -> Dict[str, Optional[str]]:
    digests = {}
    for goal in goals:
        path = root / goal
        digests[goal] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return digests


# ------------------------------------------------------------------------------------ tools

class Tool:
    name = ""

    def __init__(self, root: Path, jobs: int):
        self.root = root
        self.jobs = jobs

    def _run(self, argv: List[str], env: Dict[str, str]):
        started = time.perf_counter()
        proc = subprocess.run(argv, cwd=self.root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise BenchError(f"{self.name} failed in {self.root} (exit {proc.returncode}):\n"
                             f"  {' '.join(argv)}\n{tail(proc.stdout)}")
        return seconds, proc.stdout

    def wipe(self) -> None:
        shutil.rmtree(self.root / "bfout", ignore_errors=True)


class Bfbuild(Tool):
    """`python -m bfbuild build`. Its action cache, when it has one, is a folder of its own that
    starts empty and goes with the outputs when the workspace is wiped for a clean build."""

    def __init__(self, root: Path, jobs: int, python: str, extra: Sequence[str] = (),
                 cache_option: Optional[str] = None, name: str = "bfbuild",
                 cache_dir: Optional[Path] = None):
        super().__init__(root, jobs)
        self.name = name
        self.python = python
        self.extra = list(extra)
        self.cache = cache_dir or root / ".bench" / "cache"
        self.cache_option = cache_option
        # XDG_CACHE_HOME too, in case a cache folder is found there without the option.
        self.env = child_environment({"XDG_CACHE_HOME": str(root / ".bench" / "xdg-cache")})

    def wipe(self) -> None:
        super().wipe()
        shutil.rmtree(self.root / ".bench", ignore_errors=True)

    def build(self, extra: Sequence[str] = ()) -> Dict:
        record = self.root / STATE / "last_build.jsonl"
        before = file_stat(record)
        cache = [f"{self.cache_option}={self.cache}"] if self.cache_option else []
        argv = [self.python, "-m", "bfbuild", "build", TARGET, "-j", str(self.jobs),
                *cache, *self.extra, *extra]
        seconds, _ = self._run(argv, self.env)
        after = file_stat(record)
        # A run that did not (re)write the record ran nothing (e.g. a fast no-op path).
        records = []
        if after is not None and after != before:
            records = [json.loads(line) for line in record.read_text().splitlines() if line]
        ran = [r for r in records if not r.get("cache")]  # not restored from a cache
        return {"seconds": seconds, "cc": sum(r["mnemonic"] == "CC" for r in ran),
                "actions": len(ran), "cached": len(records) - len(ran)}

    def graph(self) -> Dict:
        return export.load_graph(self.root / STATE / "graph.json")


class CountingTool(Tool):
    """A tool whose compile commands go through count_cc.sh into <root>/.bench/cc.log."""

    @property
    def counter(self) -> Path:
        return self.root / ".bench" / "cc.log"

    def compiles_so_far(self) -> int:
        try:
            return len(self.counter.read_text().splitlines())
        except FileNotFoundError:
            return 0

    def prepare(self, graph_path: Path, python: str) -> None:
        self.counter.parent.mkdir(parents=True, exist_ok=True)
        self.counter.touch()
        self.export(graph_path, python)

    def build(self) -> Dict:
        before = self.compiles_so_far()
        seconds, output = self._run(self.argv(), child_environment())
        return {"seconds": seconds, "cc": self.compiles_so_far() - before,
                "actions": self.count_actions(output), "cached": 0}


class Scons(CountingTool):
    name = "SCons"

    def __init__(self, root: Path, jobs: int, python: str):
        super().__init__(root, jobs)
        self.python = python

    def export(self, graph_path: Path, python: str) -> None:
        export.write(graph_path, sconstruct=self.root / "SConstruct", python=python,
                     counter=str(self.counter))

    def argv(self) -> List[str]:
        return [self.python, "-m", "SCons", "-Q", f"-j{self.jobs}", "-f", "SConstruct"]

    @staticmethod
    def count_actions(output: str) -> int:
        return output.count("@@run ")

    def wipe(self) -> None:
        super().wipe()
        for name in (".sconsign.dblite", ".sconsign"):
            (self.root / name).unlink(missing_ok=True)


class Make(CountingTool):
    name = "make"
    _TRACE = re.compile(r"^\S+:\d+: (?:update )?target '([^']+)' (?:due to|does not exist)", re.M)

    def export(self, graph_path: Path, python: str) -> None:
        graph = export.write(graph_path, makefile=self.root / "Makefile", python=python,
                             counter=str(self.counter))
        self.folders = {os.path.dirname(o) for a in graph["actions"] for o in a["outputs"]}

    def argv(self) -> List[str]:
        return ["make", f"-j{self.jobs}", "--trace", "-f", "Makefile"]

    def count_actions(self, output: str) -> int:
        return sum(1 for target in self._TRACE.findall(output) if target not in self.folders)


# ------------------------------------------------------------------------------------ edits

def append_function(root: Path, k: int) -> None:
    with open(root / STRING_C, "a") as handle:
        handle.write(f"\nint bench_edit_{k}(int x);\nint bench_edit_{k}(int x)\n"
                     f"{{\n    return x * {k} + 1;\n}}\n")


def append_define(root: Path, k: int) -> None:
    with open(root / IO_H, "a") as handle:
        handle.write(f"\n#define BF_BENCH_EDIT_{k} {k}\n")


_COMMENT_WORD = re.compile(r"(/\*|//)(\s*)([A-Za-z][\w-]*)")


def edit_comment(root: Path, k: int) -> None:
    """Replace the first word of the first comment line: same line count, same code."""
    path = root / VGA_C
    lines = path.read_text().split("\n")
    for index, line in enumerate(lines):
        match = _COMMENT_WORD.search(line)
        if match:
            lines[index] = (line[:match.start(3)] + f"edited{k}" + line[match.end(3):])
            break
    else:
        raise BenchError(f"no comment line in {VGA_C}")
    path.write_text("\n".join(lines))


# ------------------------------------------------------------------------------- machine info

def command_output(argv: Sequence[str]) -> str:
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (proc.stdout or proc.stderr).strip()


def first_line(text: str) -> str:
    return text.splitlines()[0].strip() if text.strip() else "?"


def machine_info(python: str, graph: Optional[Dict]) -> Dict:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    except OSError:
        pass
    os_name = "?"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    commit = command_output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    try:
        from importlib.metadata import version
        bf_version = version("bfbuild")
    except Exception:
        bf_version = "?"
    programs = {}
    if graph:
        for spec in graph["actions"]:
            if spec.get("argv") and spec["mnemonic"] in ("CC", "LINK", "NASM"):
                programs.setdefault(spec["mnemonic"], spec["argv"][0])
    tools = {
        "python": f"{platform.python_implementation()} {platform.python_version()} ({python})",
        "bfbuild": f"{bf_version} (checkout {commit}{' + uncommitted changes' if dirty and dirty != '?' else ''})",
        "SCons": first_line(command_output([python, "-c", "import SCons; print(SCons.__version__)"])),
        "make": first_line(command_output(["make", "--version"])),
    }
    for mnemonic, program in programs.items():
        tools[f"{mnemonic.lower()} ({program})"] = first_line(command_output([program, "--version"])
                                                          if mnemonic != "NASM" else
                                                          command_output([program, "-v"]))
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"nproc": affinity, "cpu_count": os.cpu_count(), "cpu_model": model, "memory": memory,
            "os": os_name, "kernel": platform.release(), "tools": tools}


def cache_options(python: str) -> Dict:
    """The cache options `bfbuild build --help` shows: one pointing at a local cache folder (like
    --cache-dir DIR), one turning the cache off (like --no-cache)."""
    text = command_output([python, "-m", "bfbuild", "build", "--help"])
    options = re.findall(r"(--[\w-]*cache[\w-]*)(?:[ =]([A-Z][A-Z_]*))?", text)
    folder = [name for name, metavar in options
              if metavar and not name.startswith("--no-") and "remote" not in name]
    folder.sort(key=lambda name: name != "--cache-dir")
    return {"help_mentions": sorted({name for name, _ in options}),
            "option": folder[0] if folder else None,
            "off": "--no-cache" if any(name == "--no-cache" for name, _ in options) else None}


# ------------------------------------------------------------------------------- reporting

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
    if bf and "SCons" in rows and "make" in rows:
        lines.append(f"bfbuild/SCons = {ratio(bf['median'], rows['SCons']['median'])}x, "
                     f"bfbuild/make = {ratio(bf['median'], rows['make']['median'])}x "
                     f"(median wall time; above 1 means bfbuild is slower).")
    if case.get("expected_cc") is not None:
        lines.append(f"Expected minimum compiler invocations: {case['expected_cc']}.")
    for note in case.get("notes", []):
        lines.append(note)
    lines.append("")
    return lines


def summary_table(cases: List[Dict]) -> List[str]:
    lines = ["### Summary (median wall seconds; compiler invocations bfbuild / SCons / make)", "",
             "| case | bfbuild s | SCons s | make s | bfbuild/SCons | bfbuild/make | compiler invocations | expected |",
             "|---|---:|---:|---:|---:|---:|---|---:|"]
    for case in cases:
        if case.get("skipped"):
            lines.append(f"| {case['title']} | skipped | | | | | | |")
            continue
        rows = case["rows"]
        get = lambda tool: rows.get(tool)  # noqa: E731
        main = ("bfbuild", "SCons", "make")
        secs = [f"{get(t)['median']:.3f}" if get(t) else "-" for t in main]
        bf = get("bfbuild")
        rs = [ratio(bf["median"], get(t)["median"]) if bf and get(t) else "-" for t in ("SCons", "make")]
        cc = " / ".join(values(get(t)["cc"]) if get(t) else "-" for t in main)
        expected = case.get("expected_cc")
        lines.append(f"| {case['title']} | {' | '.join(secs)} | {' | '.join(rs)} | {cc} | "
                     f"{'-' if expected is None else expected} |")
    lines.append("")
    return lines


def report(data: Dict) -> str:
    m = data["machine"]
    lines = ["# bfbuild vs plain SCons vs make", "",
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
    lines += ["Caveats: see bench/README.md. bfbuild's times include Python start-up, loading and "
              "analysing the YAML targets and starting its SCons engine; plain SCons's include "
              "Python start-up and reading the generated SConstruct (and all depfiles); make's "
              "include reading the Makefile and the depfiles. make and SCons run Python steps as "
              "one `python3 -c` process each, bfbuild runs them inside its engine.", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------- the cases

class Bench:
    def __init__(self, args):
        self.args = args
        self.python = sys.executable
        self.jobs = args.jobs
        self.cases: List[Dict] = []
        base = Path(args.workdir).resolve() if args.workdir else None
        if base:
            base.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix="bfbench-", dir=base))
        self.cache = cache_options(self.python)

    def path(self, name: str) -> Path:
        return self.tmp / name

    def bfbuild(self, root: Path, extra: Sequence[str] = (), **kw) -> Bfbuild:
        kw.setdefault("cache_option", self.cache["option"])
        return Bfbuild(root, self.jobs, self.python, extra, **kw)

    def progress(self, case: str, tool: str, index: int, count: int, run: Dict) -> None:
        log(f"  [{case}] {tool:<7} {index}/{count}: {run['seconds']:.3f}s, "
            f"{run['cc']} compiler invocation(s), {run['actions']} action(s)")

    @staticmethod
    def order(repeat: int, count: int) -> List[int]:
        """The tools' order rotates between repeats, so none always runs first."""
        return [(repeat + i) % count for i in range(count)]

    # -- probe: the graphs, untimed (it also warms the page cache for every tool)
    def probe(self) -> None:
        log(f"snapshot of {REPO} and an untimed probe build (graphs, warm caches)...")
        self.snapshot = self.path("snapshot")
        snapshot_workspace(self.snapshot)
        self.probe_root = clone(self.snapshot, self.path("probe"))
        self.graphs: Dict[str, Dict] = {}
        probe = self.bfbuild(self.probe_root)
        builds = [("default", [])]
        if not self.args.quick:
            builds += [(cpu, ["--cpu", cpu]) for cpu in MATRIX_CPUS]
            builds.append(("matrix", ["--cpu", ",".join(MATRIX_CPUS)]))
        for name, extra in builds:
            graph_file = self.probe_root / STATE / "graph.json"
            graph_file.unlink(missing_ok=True)
            probe.build(extra)
            if not graph_file.exists():
                raise BenchError(f"bfbuild build {' '.join(extra)} wrote no {STATE}/graph.json")
            saved = self.path(f"graph-{name}.json")
            shutil.copy2(graph_file, saved)
            self.graphs[name] = export.load_graph(saved)
        default = self.graphs["default"]
        self.includers = {
            STRING_C: compiles_reading(self.probe_root, default, STRING_C),
            IO_H: compiles_reading(self.probe_root, default, IO_H),
            VGA_C: compiles_reading(self.probe_root, default, VGA_C),
        }

    def tools(self, prefix: str, graph_name: str, extra: Sequence[str] = ()) -> List[Tool]:
        bf = self.bfbuild(clone(self.snapshot, self.path(f"{prefix}-bfbuild")), extra)
        sc = Scons(clone(self.snapshot, self.path(f"{prefix}-scons")), self.jobs, self.python)
        mk = Make(clone(self.snapshot, self.path(f"{prefix}-make")), self.jobs)
        graph_path = self.path(f"graph-{graph_name}.json")
        sc.prepare(graph_path, self.python)
        mk.prepare(graph_path, self.python)
        return [bf, sc, mk]

    def measure(self, label: str, tools: List[Tool], repeat: int, before_each=None,
                wipe: bool = False) -> Dict[str, Dict]:
        runs: Dict[str, List[Dict]] = {t.name: [] for t in tools}
        for r in range(repeat):
            if before_each:
                for tool in tools:
                    before_each(tool.root, r + 1)
            for i in self.order(r, len(tools)):
                tool = tools[i]
                if wipe:
                    tool.wipe()
                run = tool.build()
                runs[tool.name].append(run)
                self.progress(label, tool.name, r + 1, repeat, run)
        return {name: summarize(items) for name, items in runs.items()}

    def identical_goals(self, tools: List[Tool], goals: Sequence[str]) -> str:
        digests = {t.name: goal_digests(t.root, goals) for t in tools}
        reference = digests[tools[0].name]
        differing = [f"{name}: {goal}" for name, d in digests.items() for goal in goals
                     if d[goal] != reference[goal] or d[goal] is None]
        if not differing:
            return "yes"
        return "NO (" + "; ".join(differing) + ")"

    def add(self, case: Dict) -> None:
        self.cases.append(case)
        for line in case_table(case):
            log(line)

    # -- cases 1 to 5, on the default configuration
    def single_configuration(self) -> None:
        args = self.args
        tools = self.tools("ws", "default")
        goals = self.graphs["default"]["goals"]
        needed_cc = sum(a["mnemonic"] == "CC" for a in self.graphs["default"]["actions"])
        log("case 1: clean build")
        everyone = list(tools)
        notes = []
        if self.cache["option"]:
            notes.append(f"bfbuild runs with {self.cache['option']}=<a folder of its workspace "
                         "copy>: its local action cache is on, as by default, but starts empty "
                         "at every clean build, so a clean build also pays for filling it.")
        if self.cache["off"]:
            everyone.insert(1, self.bfbuild(clone(self.snapshot, self.path("ws-bfbuild-nocache")),
                                            [self.cache["off"]], cache_option=None, name=NO_CACHE))
            notes.append(f"`{NO_CACHE}` is the same clean build with the cache off.")
        rows = self.measure("clean", everyone, args.clean_repeat, wipe=True)
        notes.append(f"Goal outputs byte-identical across the tools: "
                     f"{self.identical_goals(everyone, goals)}.")
        graph = tools[0].graph()
        if sorted(a["key"] for a in graph["actions"]) != \
                sorted(a["key"] for a in self.graphs["default"]["actions"]):
            notes.append("Note: the timed bfbuild copy analysed a different graph than the probe "
                         "whose graph SCons and make run (did bfbuild's code change during the "
                         "run?): the comparison is not exact.")
        if min(rows["bfbuild"]["cc"]) < needed_cc:
            notes.append(f"Note: bfbuild compiled fewer files ({values(rows['bfbuild']['cc'])}) than "
                         f"the graph's {needed_cc} compile actions: something outside bfout/ "
                         "(a cache?) served them.")
        self.add({"id": "clean", "title": f"1. clean build (-j{self.jobs})", "rows": rows,
                  "expected_cc": needed_cc, "notes": notes})

        log("case 2: no-op build")
        first = self.measure("no-op #1", tools, 1)
        rows = self.measure("no-op", tools, args.repeat)
        notes = []
        if first["SCons"]["cc"][0]:
            notes.append("Plain SCons recompiles here: ParseDepends now finds the depfiles that "
                         "did not exist at the clean build, so the dependency list of every object "
                         "grew, which SCons takes as a change. From the next build on it is stable.")
        slower = first["bfbuild"]["median"] / max(rows["bfbuild"]["median"], 1e-9)
        if slower > 3:
            notes.append(f"bfbuild's first no-op after a clean build took {slower:.0f}x as long as "
                         "its later no-ops (case 2).")
        self.add({"id": "noop_first", "title": "2a. first no-op right after the clean build",
                  "rows": first, "expected_cc": 0, "notes": notes})
        self.add({"id": "noop", "title": f"2. no-op build (median of {args.repeat})", "rows": rows,
                  "expected_cc": 0})
        if args.quick:
            return

        log("case 3: one-file edit")
        rows = self.measure("one-file", tools, args.repeat, before_each=append_function)
        self.add({"id": "one_file", "title": f"3. one-file edit (function appended to {STRING_C})",
                  "rows": rows, "expected_cc": self.includers[STRING_C],
                  "notes": ["Each run appends a new function, so every run is a real edit."]})

        log("case 4: header edit")
        rows = self.measure("header", tools, args.repeat, before_each=append_define)
        self.add({"id": "header", "title": f"4. header edit (#define appended to {IO_H})",
                  "rows": rows, "expected_cc": self.includers[IO_H],
                  "notes": [f"{self.includers[IO_H]} compile action(s) read {IO_H} (from the "
                            "depfiles). The objects do not change (an unused macro), so bfbuild "
                            "and SCons (content signatures) can stop after the compiles; make "
                            "relinks."]})

        log("case 5: comment-only edit")
        rows = self.measure("comment", tools, args.repeat, before_each=edit_comment)
        self.add({"id": "comment", "title": f"5. comment-only edit (a word of the first comment of {VGA_C})",
                  "rows": rows, "expected_cc": self.includers[VGA_C],
                  "notes": ["Same line count, so the object is byte-identical: with early cutoff "
                            "only the compile runs; make also re-archives, relinks and rebuilds "
                            "the image.",
                            f"Goal outputs byte-identical across the three tools after all edits: "
                            f"{self.identical_goals(tools, goals)}."]})

    # -- case 6
    def matrix(self) -> None:
        log("case 6: matrix clean build")
        cpus = ",".join(MATRIX_CPUS)
        singles = {cpu: self.graphs[cpu] for cpu in MATRIX_CPUS}
        matrix = self.graphs["matrix"]
        key = lambda a: tuple(a["outputs"])  # noqa: E731  (an action is known by its outputs)
        seen: Dict[tuple, int] = {}
        for graph in singles.values():
            for action in graph["actions"]:
                seen[key(action)] = seen.get(key(action), 0) + 1
        matrix_keys = {key(a) for a in matrix["actions"]}
        total = sum(len(g["actions"]) for g in singles.values())
        total_cc = sum(a["mnemonic"] == "CC" for g in singles.values() for a in g["actions"])
        matrix_cc = sum(a["mnemonic"] == "CC" for a in matrix["actions"])
        shared = {k: n for k, n in seen.items() if n > 1}
        owners: Dict[str, int] = {}
        for action in matrix["actions"]:
            if key(action) in shared:
                owners[action["owner"]] = owners.get(action["owner"], 0) + 1
        owner_text = ", ".join(f"{o} {n}" for o, n in sorted(owners.items(), key=lambda i: -i[1]))
        union_equal = set(seen) == matrix_keys
        sharing = {"single_actions": {cpu: len(g["actions"]) for cpu, g in singles.items()},
                   "sum_of_singles": total, "matrix_actions": len(matrix["actions"]),
                   "saved": total - len(matrix["actions"]),
                   "shared_actions": len(shared),
                   "shared_by_all": sum(n == len(singles) for n in shared.values()),
                   "shared_by_owner": owners,
                   "sum_of_singles_cc": total_cc, "matrix_cc": matrix_cc,
                   "matrix_equals_union_of_singles": union_equal}
        tools = self.tools("mx", "matrix", ["--cpu", cpus])
        rows = self.measure("matrix", tools, self.args.matrix_repeat, wipe=True)
        by_cpu = ", ".join(f"{cpu} {n}" for cpu, n in sharing["single_actions"].items())
        notes = [
            f"Actions: three single-CPU graphs {total} ({by_cpu}); the matrix graph "
            f"{len(matrix['actions'])}: {sharing['saved']} fewer, because {len(shared)} action(s) "
            f"are shared between configurations ({sharing['shared_by_all']} by all three; by target: "
            f"{owner_text or 'none'}). Compile actions: {total_cc} vs {matrix_cc}.",
            f"The matrix graph is {'exactly' if union_equal else 'NOT'} the union of the three "
            "single-CPU graphs (actions compared by outputs); SCons and make run that union.",
            f"Goal outputs byte-identical across the three tools: "
            f"{self.identical_goals(tools, matrix['goals'])}."]
        self.add({"id": "matrix", "title": f"6. matrix clean build (--cpu {cpus}, -j{self.jobs})",
                  "rows": rows, "expected_cc": matrix_cc, "notes": notes, "sharing": sharing})

    # -- case 7
    def warm_cache(self) -> None:
        title = "7. clean build from a warm cache"
        found = self.cache
        if not found["option"]:
            mentioned = (f" (it mentions {', '.join(found['help_mentions'])}, but none takes a folder)"
                         if found["help_mentions"] else "")
            self.add({"id": "warm_cache", "title": title, "cache_option": found,
                      "skipped": "`python -m bfbuild build --help` shows no cache option "
                                 f"(--cache-dir or similar){mentioned}: bfbuild has no cache to "
                                 "measure yet."})
            return
        log(f"case 7: warm cache ({found['option']})")
        option = found["option"]
        cache = self.path("cache")
        cold = self.bfbuild(clone(self.snapshot, self.path("cache-fill")), cache_dir=cache)
        fill = cold.build()
        self.progress("cache fill", "bfbuild", 1, 1, fill)
        runs = []
        for r in range(self.args.clean_repeat):
            warm = self.bfbuild(clone(self.snapshot, self.path(f"cache-use-{r}")), cache_dir=cache)
            run = warm.build()
            self.progress("warm cache", "bfbuild", r + 1, self.args.clean_repeat, run)
            runs.append(run)
        rows = {"bfbuild": summarize(runs)}
        clean = next(c for c in self.cases if c["id"] == "clean")["rows"]
        others = ", ".join(f"{tool} {clean[tool]['median']:.3f}s" for tool in TOOLS if tool in clean)
        ok = all(r["cc"] == 0 for r in runs)
        self.add({"id": "warm_cache", "title": f"{title} ({option})", "rows": rows,
                  "expected_cc": 0, "cache_option": found,
                  "notes": [f"Each run is a fresh copy of the workspace (no bfout/) pointed at the "
                            f"cache a clean build of another copy filled ({fill['seconds']:.3f}s). "
                            f"Cold clean builds of case 1: {others}; warm/cold bfbuild = "
                            f"{ratio(rows['bfbuild']['median'], clean['bfbuild']['median'])}.",
                            f"Compiler invocations must be 0: {'yes' if ok else 'NO'}.",
                            "make and plain SCons are not measured here (make has no cache; "
                            "SCons's CacheDir is not part of the plain export)."]})

    def run(self) -> Dict:
        started = time.time()
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            self.probe()
            self.machine = machine_info(self.python, self.graphs["default"])
            log("machine: " + json.dumps(self.machine))
            self.single_configuration()
            if not self.args.quick:
                self.matrix()
                self.warm_cache()
        finally:
            if self.args.keep:
                log(f"work folders kept in {self.tmp}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
        return {"started": stamp, "total_seconds": time.time() - started,
                "options": {"repeat": self.args.repeat, "clean_repeat": self.args.clean_repeat,
                            "matrix_repeat": self.args.matrix_repeat,
                            "jobs": self.jobs, "quick": self.args.quick, "target": TARGET,
                            "matrix_cpus": list(MATRIX_CPUS)},
                "machine": self.machine, "cases": self.cases}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="bfbuild vs plain SCons vs make on the same graph")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per incremental case (default 5); given explicitly, also the "
                             "number of clean builds")
    parser.add_argument("--jobs", type=int, default=2, help="parallel jobs of all three (default 2)")
    parser.add_argument("--quick", action="store_true",
                        help="only the clean and no-op builds, repeat 3")
    parser.add_argument("--clean-repeat", type=int, default=None,
                        help="clean builds per tool (default 1, or --repeat when given); the "
                             "matrix clean build (the longest case) runs once unless this is given")
    parser.add_argument("--keep", action="store_true", help="keep the work folders")
    parser.add_argument("--workdir", help="make the work folders under this folder (default: TMPDIR)")
    args = parser.parse_args(argv)
    explicit = args.repeat is not None
    if args.repeat is None:
        args.repeat = 3 if args.quick else 5
    args.matrix_repeat = args.clean_repeat or 1
    if args.clean_repeat is None:
        args.clean_repeat = args.repeat if (explicit or args.quick) else 1
    if args.repeat < 1 or args.clean_repeat < 1 or args.jobs < 1:
        parser.error("--repeat, --clean-repeat and --jobs must be at least 1")
    if shutil.which("make") is None:
        parser.error("GNU make is not installed")
    try:
        data = Bench(args).run()
    except BenchError as exc:
        log(f"benchmark failed: {exc}")
        return 1
    text = report(data)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(text)
    (RESULTS / "latest.json").write_text(json.dumps(data, indent=1) + "\n")
    log(f"written: {RESULTS / 'latest.md'}, {RESULTS / 'latest.json'} "
        f"({data['total_seconds']:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
