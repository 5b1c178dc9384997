"""Guest memory from the data disk: the kernel reads each model file whole into its heap, which
spans the RAM QEMU gives (kernel/runtime/ram.c reads QEMU's E820 table). So `-m auto` becomes
room for the disk's contents plus a quarter for the activations, the key/value cache and the
tokenizer's tables, above the 4 MiB under the heap; never less than the 64 MiB boot tests always
had. The disk's size stands for its contents: a fat-disk is sized from them."""
from __future__ import annotations

import os
from typing import List, Optional, Sequence

AUTO = "auto"
MIN_MB = 64
BELOW_HEAP_MB = 4
SLACK_MB = 16
MAX_MB = 3072  # the heap stops below the PCI hole at 3 GiB (bf/memory_map.h)
MIB = 1024 * 1024


def guest_memory_mb(data_disk: Optional[str]) -> int:
    """-m for a boot with this data disk (None or missing: the minimum)."""
    if not data_disk or not os.path.exists(data_disk):
        return MIN_MB
    disk_mb = -(-os.path.getsize(data_disk) // MIB)
    need = BELOW_HEAP_MB + disk_mb + disk_mb // 4 + SLACK_MB
    return min(MAX_MB, max(MIN_MB, -(-need // 16) * 16))


def data_disk_of(argv: Sequence[str]) -> Optional[str]:
    """The file of the second IDE drive (index=1) of a qemu_argv command line."""
    for arg in argv:
        if arg.startswith("file=") and ",index=1," in arg:
            return arg[len("file="):].split(",", 1)[0]
    return None


def resolve_memory(argv: Sequence[str]) -> List[str]:
    """argv with `-m auto` replaced by the size the data disk needs (at boot time, once the disk
    is built)."""
    out = list(argv)
    for i in range(len(out) - 1):
        if out[i] == "-m" and out[i + 1] == AUTO:
            out[i + 1] = f"{guest_memory_mb(data_disk_of(out))}M"
    return out
