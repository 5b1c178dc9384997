"""How many processors QEMU gives the guest: the `processors` attribute of an image (-smp N).

Above one processor the guest's processors run on host threads (multi-threaded TCG), the way a
wall-time speed-up is measured. -icount runs every processor on one thread in turn (QEMU refuses
multi-threaded TCG with it), so with -icount the processors are given but not the threads; the
kernel's results are the same either way (docs/smp.md).
"""
from __future__ import annotations

from typing import List, Sequence

MAX_PROCESSORS = 8  # BF_MAX_CPUS in kernel/include/bf/acpi.h


def smp_args(processors: int, extra: Sequence[str] = ()) -> List[str]:
    """QEMU arguments for `processors` (nothing for one); `extra` are the arguments that follow
    them, which may set -smp or -accel themselves (later arguments win) or ask for -icount."""
    if processors <= 1:
        return []
    args = ["-smp", str(processors)]
    if not any(arg in ("-icount", "-accel") for arg in extra):
        args += ["-accel", "tcg,thread=multi"]
    return args
