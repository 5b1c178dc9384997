"""`bfbuild run --gdb`: QEMU waits for a debugger, and a gdb command file says how to attach.

QEMU's -s opens a gdb server on tcp::1234 and -S holds the CPU before the first instruction, so
a breakpoint set from gdb is in place before the boot loader runs.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

from bfbuild.api import OUTPUT_DIR

GDB_DIR = f"{OUTPUT_DIR}/gdb"
GDB_PORT = 1234  # QEMU's -s is -gdb tcp::1234
QEMU_GDB_ARGS = ("-s", "-S")
BREAK_AT = "kmain"


def with_gdb_server(argv: Sequence[str]) -> List[str]:
    """The QEMU command line, waiting for a debugger on tcp::1234."""
    return [*argv, *QEMU_GDB_ARGS]


def command_file_text(kernel_elf: str, script: str) -> str:
    return (f"# gdb commands for the kernel {kernel_elf}, written by `bfbuild run --gdb`.\n"
            f"# Start QEMU with `bfbuild run --gdb <image>`, then, in another terminal:\n"
            f"#     gdb -x {script}\n"
            f"file {kernel_elf}\n"
            f"target remote :{GDB_PORT}\n"
            f"break {BREAK_AT}\n")


def write_command_file(root: Path, image_name: str, kernel_elf: str) -> str:
    """Write bfout/gdb/<image>.gdb for the workspace-relative `kernel_elf`; returns the file's
    workspace-relative path. The ELF path in it is absolute, so gdb may start anywhere."""
    script = f"{GDB_DIR}/{image_name}.gdb"
    path = root / script
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(command_file_text(str(root / kernel_elf), str(path)), encoding="utf-8")
    return script
