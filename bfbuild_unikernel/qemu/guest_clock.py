"""What the guest's time-stamp counter counts, told to the kernel through fw_cfg.

Under `-icount shift=0` QEMU advances rdtsc by one per guest instruction (1 ns of virtual time);
under another -icount shift it counts virtual nanoseconds; without -icount it follows the host's
TSC. The tinyllama kernel reads the fw_cfg file opt/bareflow/clock to label its figures
(apps/tinyllama/llama/clock.h): "icount", "virtual" or "host".
"""
from __future__ import annotations

from typing import List, Sequence

FWCFG_FILE = "opt/bareflow/clock"


def guest_clock(qemu_args: Sequence[str]) -> str:
    """"icount", "virtual" or "host" for a QEMU command line (its last -icount counts)."""
    args = list(qemu_args)
    found = [i for i, arg in enumerate(args) if arg in ("-icount", "--icount")]
    if not found:
        return "host"
    value = args[found[-1] + 1] if found[-1] + 1 < len(args) else ""
    shift = None
    for index, item in enumerate(value.split(",")):
        if item.startswith("shift="):
            shift = item[len("shift="):]
        elif index == 0 and "=" not in item:
            shift = item  # the short form, -icount N
    return "icount" if shift == "0" else "virtual"


def clock_args(qemu_args: Sequence[str]) -> List[str]:
    """The -fw_cfg option that tells the guest which clock rdtsc follows."""
    return ["-fw_cfg", f"name={FWCFG_FILE},string={guest_clock(qemu_args)}"]
