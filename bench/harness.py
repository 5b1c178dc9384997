"""The benchmark's frame: the work folder, the untimed probe that yields the graphs, one set of
workspace copies per case, the timed repeats in a rotating order, the output comparison, and the
sequence of cases (the cases themselves are in cases.py)."""
from __future__ import annotations

import datetime
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence

import cases
import export
from common import MATRIX_CPUS, REPO, SERVER, STATE, TARGET, BenchError, log
from edits import EDITED_FILES
from machine import cache_options, machine_info
from report import case_table, summarize
from tools import EXPORTED, Bfbuild, Tool
from workspace import clone, compiles_reading, goal_digests, snapshot_workspace


class Bench:
    def __init__(self, args):
        self.args = args
        self.python = sys.executable
        self.jobs = args.jobs
        self.cases: List[Dict] = []
        # The tools that run the exported graph (ninja only when installed and not turned off).
        self.exported = [tool for tool in EXPORTED if tool.available()
                         and not (tool.name == "ninja" and getattr(args, "no_ninja", False))]
        self.tool_names = ["bfbuild"] + [tool.name for tool in self.exported]
        self.served: List[Bfbuild] = []  # bfbuild copies with a build server, stopped at the end
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
        self.includers = {name: compiles_reading(self.probe_root, default, name)
                          for name in EDITED_FILES}

    def tools(self, prefix: str, graph_name: str, extra: Sequence[str] = (),
              server: bool = False) -> List[Tool]:
        """bfbuild (and with `server`, bfbuild through a build server) and the exported tools,
        each in a fresh copy of the snapshot."""
        bf = [self.bfbuild(clone(self.snapshot, self.path(f"{prefix}-bfbuild")), extra)]
        if server:
            served = self.bfbuild(clone(self.snapshot, self.path(f"{prefix}-served")), extra,
                                  name=SERVER, server_dir=self.path("servers"))
            served.start_server()
            self.served.append(served)
            bf.append(served)
        others = [tool(clone(self.snapshot, self.path(f"{prefix}-{tool.name.lower()}")),
                       self.jobs, self.python) for tool in self.exported]
        graph_path = self.path(f"graph-{graph_name}.json")
        for tool in others:
            tool.prepare(graph_path, self.python)
        return bf + others

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

    def run(self) -> Dict:
        started = time.time()
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            self.probe()
            self.machine = machine_info(self.python, self.graphs["default"], self.tool_names)
            log("machine: " + json.dumps(self.machine))
            cases.single_configuration(self)
            if not self.args.quick:
                cases.matrix(self)
                cases.warm_cache(self)
        finally:
            for tool in self.served:
                tool.stop_server()
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
