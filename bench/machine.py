"""What the report says about the machine and the programs (nproc, CPU, memory, OS, versions), and
which cache options `bfbuild build --help` shows."""
from __future__ import annotations

import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Dict, Optional, Sequence

from common import REPO


def command_output(argv: Sequence[str]) -> str:
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (proc.stdout or proc.stderr).strip()


def first_line(text: str) -> str:
    return text.splitlines()[0].strip() if text.strip() else "?"


def _proc_field(path: str, prefix: str, value) -> str:
    """The value of the first line of a /proc or /etc file starting with prefix, or "?"."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return value(line)
    except OSError:
        pass
    return "?"


def machine_info(python: str, graph: Optional[Dict], tools: Sequence[str] = ()) -> Dict:
    """tools: the names of the tools compared; ninja's version is listed when it is one."""
    model = _proc_field("/proc/cpuinfo", "model name", lambda line: line.split(":", 1)[1].strip())
    memory = _proc_field("/proc/meminfo", "MemTotal",
                         lambda line: f"{int(line.split()[1]) / 1048576:.1f} GiB")
    os_name = _proc_field("/etc/os-release", "PRETTY_NAME=",
                          lambda line: line.split("=", 1)[1].strip('"'))
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
    versions = {
        "python": f"{platform.python_implementation()} {platform.python_version()} ({python})",
        "bfbuild": f"{bf_version} (checkout {commit}{' + uncommitted changes' if dirty and dirty != '?' else ''})",
        "SCons": first_line(command_output([python, "-c", "import SCons; print(SCons.__version__)"])),
        "make": first_line(command_output(["make", "--version"])),
    }
    if "ninja" in tools:
        versions["ninja"] = first_line(command_output(["ninja", "--version"]))
    for mnemonic, program in programs.items():
        versions[f"{mnemonic.lower()} ({program})"] = first_line(
            command_output([program, "--version"]) if mnemonic != "NASM" else
            command_output([program, "-v"]))
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"nproc": affinity, "cpu_count": os.cpu_count(), "cpu_model": model, "memory": memory,
            "os": os_name, "kernel": platform.release(), "tools": versions}


def cache_options(python: str) -> Dict:
    """The cache options `bfbuild build --help` shows: one pointing at a local cache folder (like
    --cache-dir DIR), one turning the cache off (like --no-cache)."""
    text = command_output([python, "-m", "bfbuild", "build", "--help", "--no-server"])
    options = re.findall(r"(--[\w-]*cache[\w-]*)(?:[ =]([A-Z][A-Z_]*))?", text)
    folder = [name for name, metavar in options
              if metavar and not name.startswith("--no-") and "remote" not in name]
    folder.sort(key=lambda name: name != "--cache-dir")
    return {"help_mentions": sorted({name for name, _ in options}),
            "option": folder[0] if folder else None,
            "off": "--no-cache" if any(name == "--no-cache" for name, _ in options) else None}
