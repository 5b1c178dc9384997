"""How long a clean clone takes when every action is in a warm cache: the local folder, a remote
cache over Bazel's HTTP protocol (nginx with WebDAV) and over REAPI gRPC (BuildGrid), both on
127.0.0.1 and configured as docs/caching.md says.

    python bench/remote_cache.py [--target //images:tinyllama] [--repeat 3] [--keep]

The caches are filled by two builds without a cache (the local folder's and BuildGrid's; nginx
gets the local folder's files, the same format). Each timed run is a fresh copy of the workspace
(bfout/ absent) built with one cache alone; the run must restore every action (0 run) and give
the image the build without a cache gave. Prints wall seconds per run, and the median."""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.cache_servers import BuildGrid, Nginx  # noqa: E402
from tests.integration.conftest import copy_workspace  # noqa: E402


def build(root: Path, target: str, cache: list, label: str):
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(root.parent / f"{root.name}-cache")}
    env.pop("BFBUILD_REMOTE_CACHE", None)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", target, *cache],
                          cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{label}: bfbuild exited {proc.returncode}\n{proc.stdout[-3000:]}{proc.stderr}")
    return seconds, proc.stdout


def outputs_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((root / "bfout").glob("*/images/**/*.img")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="//images:tinyllama")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bfbench-remote-"))
    nginx = buildgrid = None
    try:
        nginx, buildgrid = Nginx(work / "nginx"), BuildGrid(work / "buildgrid")
        local = work / "local-cache"
        print(f"filling the caches with {options.target} ...", flush=True)
        cold, _ = build(copy_workspace(work / "fill-local").root, options.target,
                        ["--cache-dir", str(local)], "fill local")
        reference = outputs_digest(work / "fill-local")
        build(copy_workspace(work / "fill-grpc").root, options.target,
              ["--no-cache", "--remote-cache", buildgrid.url, *buildgrid.options], "fill gRPC")
        for kind in ("ac", "cas"):  # nginx serves the local folder's files, without the shards
            (nginx.root / kind).mkdir()
            for path in (local / kind).rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    shutil.copy(path, nginx.root / kind / path.name)
        modes = {"local folder": ["--cache-dir", str(local)],
                 "HTTP (nginx)": ["--no-cache", "--remote-cache", nginx.url],
                 "gRPC (BuildGrid)": ["--no-cache", "--remote-cache", buildgrid.url,
                                      *buildgrid.options]}
        times = {mode: [] for mode in modes}
        names = list(modes)
        for run in range(options.repeat):
            for mode in names[run % 3:] + names[:run % 3]:  # no mode always runs first
                cache = modes[mode]
                clone = copy_workspace(work / f"run{run}-{mode.split()[0]}").root
                seconds, out = build(clone, options.target, cache, mode)
                if " 0 action(s) run" not in out or outputs_digest(clone) != reference:
                    sys.exit(f"{mode}: the clone was not fully restored or differs\n{out[-2000:]}")
                times[mode].append(seconds)
                shutil.rmtree(clone)
        print(f"\nclean clone of {options.target} from a warm cache, wall seconds of "
              f"`bfbuild build` ({options.repeat} runs each; the build without a cache took "
              f"{cold:.1f} s)\n")
        print("| cache | median | runs |\n|---|---|---|")
        for mode, values in times.items():
            print(f"| {mode} | {statistics.median(values):.2f} | "
                  f"{', '.join(f'{v:.2f}' for v in values)} |")
    finally:
        for server in (nginx, buildgrid):
            if server is not None:
                server.stop()
        if options.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
