"""The inference on 1 and on 2 processors, side by side: wall time under multi-threaded TCG.

    python bench/smp.py [--repeat 5] [--cpu i686] [--processors 1,2] [--icount] [--first]

Builds //images:tinyllama_smp (the default model, greedy, 141 positions) for the configuration's
CPU, then boots it with each processor count in turn, `--repeat` rounds (the order alternates
from round to round, so a change of the host's load hits both alike). For each count it prints
the median of the boots' wall time and of the inference's own time (the kernel's `LLAMA stats`
ticks: the guest TSC, which under TCG follows the host's clock), then the speed-ups against the
first count. Every boot's tokens must be the same (exit 1 otherwise). With --icount the
processors take turns on one thread and the ticks count guest instructions: the work, not the
time. The host's load average is printed before and after: other work on the host's cores takes
them from the guest's processors. --first (root) runs the boots in a session of their own whose
autogroup has nice -19, so that other sessions' work on a shared host yields the cores.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bfbuild_unikernel.qemu.boot import boot, qemu_argv  # noqa: E402
from bfbuild_unikernel.qemu.smp import smp_args  # noqa: E402

LABEL = "//images:tinyllama_smp"
# "LLAMA stats: 141 positions[ (...)], N ticks/position" (host-cycles/ or instructions/position)
STATS = re.compile(r"^LLAMA stats: (\d+) positions.*?, (\d+) [\w-]+/position")
ICOUNT = ["-icount", "shift=0,sleep=off"]


def build(cpu: str):
    """Builds the image; returns its disk image, data disk and the CPU's QEMU model."""
    proc = subprocess.run([sys.executable, "-m", "bfbuild", "build", LABEL, "--cpu", cpu],
                          cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench/smp.py: building {LABEL} failed:\n{proc.stdout}{proc.stderr}")
    files = re.findall(rf"^  {LABEL} \(\S+\): (\S+)$", proc.stdout, re.M)
    image = next(f for f in files if f.endswith("tinyllama_smp.img"))
    disk = next(f for f in files if f != image)
    import yaml
    model = yaml.safe_load((REPO / "targets/cpus.yaml").read_text())[cpu]["qemu_cpu"]
    return str(REPO / image), str(REPO / disk), model


def run_once(image, disk, model, processors, icount):
    extra = ICOUNT if icount else []
    argv = qemu_argv("qemu-system-i386", image, model, extra=[*smp_args(processors, extra), *extra],
                     data_disk=disk)
    result = boot(argv, timeout=600)
    stats = next((STATS.match(line) for line in result.lines if STATS.match(line)), None)
    tokens = next((l for l in result.lines if l.startswith("LLAMA tokens:")), None)
    started = next((l for l in result.lines if l.startswith("smp: ")), "")
    if not result.success or stats is None:
        sys.exit(f"bench/smp.py: the boot on {processors} processors failed: {result.describe()}\n"
                 + "\n".join(result.lines[-15:]))
    if not started.startswith(f"smp: {processors} processor"):
        sys.exit(f"bench/smp.py: asked for {processors} processors, the kernel says {started!r}")
    return result.seconds, int(stats[1]) * int(stats[2]), tokens


def first() -> None:
    """A new session (so a new scheduler autogroup, which nice alone does not cross) at nice -19."""
    try:
        if os.getsid(0) != os.getpid():
            os.setsid()
        Path("/proc/self/autogroup").write_text("-19")
        os.nice(-19 - os.nice(0))
    except OSError as exc:
        sys.exit(f"bench/smp.py: --first needs root and a kernel with autogroups: {exc}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="boots per processor count")
    parser.add_argument("--cpu", default="i686", help="the configuration's CPU (targets/cpus.yaml)")
    parser.add_argument("--processors", default="1,2", help="comma-separated processor counts")
    parser.add_argument("--icount", action="store_true", help="count instructions (-icount)")
    parser.add_argument("--first", action="store_true",
                        help="run at autogroup nice -19 in a session of its own (root)")
    args = parser.parse_args(argv)
    if args.first:
        first()
    counts = [int(n) for n in args.processors.split(",")]
    image, disk, model = build(args.cpu)
    print(f"{LABEL} --cpu {args.cpu} (QEMU -cpu {model}), {args.repeat} boots per count, "
          f"{'-icount (ticks are instructions)' if args.icount else 'multi-threaded TCG'}"
          f"{', autogroup nice -19' if args.first else ''}; "
          f"host: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    walls = {n: [] for n in counts}
    ticks = {n: [] for n in counts}
    tokens = set()
    for round_ in range(args.repeat):
        for n in counts if round_ % 2 == 0 else reversed(counts):
            seconds, inference, line = run_once(image, disk, model, n, args.icount)
            walls[n].append(seconds)
            ticks[n].append(inference)
            tokens.add(line)
            print(f"  round {round_ + 1}: {n} processor(s): {seconds:.2f} s wall, "
                  f"inference {inference} ticks", flush=True)
    base = counts[0]
    print(f"\n{'processors':>10} {'median wall s':>14} {'median inference ticks':>23} "
          f"{'wall speed-up':>14} {'inference speed-up':>19}")
    for n in counts:
        wall, work = statistics.median(walls[n]), statistics.median(ticks[n])
        print(f"{n:>10} {wall:>14.2f} {work:>23.0f} "
              f"{statistics.median(walls[base]) / wall:>14.2f} "
              f"{statistics.median(ticks[base]) / work:>19.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if len(tokens) != 1:
        print(f"tokens DIFFER between boots: {len(tokens)} different token lines")
        return 1
    print(f"tokens: identical in all {args.repeat * len(counts)} boots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
