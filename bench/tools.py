"""Running and timing one tool in its workspace copy. build() runs it once and returns
{"seconds", "cc" (compiler invocations), "actions" (actions run), "cached" (restored)}.

bfbuild counts from the files it writes (last_build.jsonl); the tools that run the exported graph
(SCons, make, ninja) count compiles through bench/count_cc.sh and actions from their output.
A new exported tool is a subclass of ExportedTool with export(), argv() and count_actions(),
listed in EXPORTED."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import export
from common import STATE, TARGET, BenchError, child_environment, tail
from workspace import file_stat


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
    """`bfbuild build`: the command a user types, installed beside the interpreter (`python -m
    bfbuild` when it is not). Its action cache, when it has one, is a folder of its own that
    starts empty and goes with the outputs when the workspace is wiped for a clean build."""

    def __init__(self, root: Path, jobs: int, python: str, extra: Sequence[str] = (),
                 cache_option: Optional[str] = None, name: str = "bfbuild",
                 cache_dir: Optional[Path] = None, server_dir: Optional[Path] = None):
        super().__init__(root, jobs)
        self.name = name
        self.python = python
        command = Path(python).parent / "bfbuild"
        self.command = [str(command)] if command.is_file() else [python, "-m", "bfbuild"]
        self.extra = list(extra)
        self.cache = cache_dir or root / ".bench" / "cache"
        self.cache_option = cache_option
        # XDG_CACHE_HOME too, in case a cache folder is found there without the option.
        self.env = child_environment({"XDG_CACHE_HOME": str(root / ".bench" / "xdg-cache")})
        # No build server, or one of its own in a folder of the bench that clean builds keep.
        self.env["BFBUILD_SERVER"] = "1" if server_dir else "0"
        if server_dir:
            self.env.update(BFBUILD_SERVER_DIR=str(server_dir), BFBUILD_SERVER_IDLE="3600")

    def start_server(self) -> None:
        """Untimed: start the server (a query needs no build) so that timed runs find it warm."""
        self._run([*self.command, "query", TARGET], self.env)

    def stop_server(self) -> None:
        subprocess.run([*self.command, "shutdown"], cwd=self.root, env=self.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wipe(self) -> None:
        super().wipe()
        shutil.rmtree(self.root / ".bench", ignore_errors=True)

    def build(self, extra: Sequence[str] = ()) -> Dict:
        record = self.root / STATE / "last_build.jsonl"
        before = file_stat(record)
        cache = [f"{self.cache_option}={self.cache}"] if self.cache_option else []
        argv = [*self.command, "build", TARGET, "-j", str(self.jobs),
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


class ExportedTool(Tool):
    """A tool running the exported graph; its compile commands go through count_cc.sh into
    <root>/.bench/cc.log."""

    def __init__(self, root: Path, jobs: int, python: str):
        super().__init__(root, jobs)
        self.python = python

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

    @staticmethod
    def available() -> bool:
        return True

    def export(self, graph_path: Path, python: str) -> None:
        raise NotImplementedError

    def argv(self) -> List[str]:
        raise NotImplementedError

    def count_actions(self, output: str) -> int:
        raise NotImplementedError


class Scons(ExportedTool):
    name = "SCons"

    def export(self, graph_path: Path, python: str) -> None:
        export.write(graph_path, sconstruct=self.root / "SConstruct", python=python,
                     counter=str(self.counter))

    def argv(self) -> List[str]:
        return [self.python, "-m", "SCons", "-Q", f"-j{self.jobs}", "-f", "SConstruct"]

    def count_actions(self, output: str) -> int:
        return output.count("@@run ")

    def wipe(self) -> None:
        super().wipe()
        for name in (".sconsign.dblite", ".sconsign"):
            (self.root / name).unlink(missing_ok=True)


class Make(ExportedTool):
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


class Ninja(ExportedTool):
    name = "ninja"

    @staticmethod
    def available() -> bool:
        return shutil.which("ninja") is not None

    def export(self, graph_path: Path, python: str) -> None:
        export.write(graph_path, ninja=self.root / "build.ninja", python=python,
                     counter=str(self.counter))

    def argv(self) -> List[str]:
        return ["ninja", f"-j{self.jobs}", "-f", "build.ninja"]

    def count_actions(self, output: str) -> int:
        return output.count("@@run ")  # the edges' description, one status line per action

    def wipe(self) -> None:
        super().wipe()
        for name in (".ninja_log", ".ninja_deps"):
            (self.root / name).unlink(missing_ok=True)


EXPORTED = (Scons, Make, Ninja)  # in the order of common.EXPORTED_TOOLS
