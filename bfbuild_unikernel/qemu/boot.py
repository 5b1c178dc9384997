"""Booting an image in QEMU: the command line, the serial console, and what the exit status means.

The kernel leaves QEMU through the isa-debug-exit device: writing V to port 0xF4 makes QEMU exit
with status (V << 1) | 1. Success is V = 0x10 (status 33), a kernel panic V = 0x11 (status 35),
refused or failed modules 0x12 (37), a CPU without the build's features 0x13 (39), a model on the
data disk that cannot run 0x14 (41), a CPU exception v 0x20 + v; these must match
kernel/include/bf/exit.h. Status 0 is never success: QEMU also exits 0 when the
guest triple-faults under -no-reboot.
"""
from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

from bfbuild.api import end_with_parent
from bfbuild_unikernel.qemu.guest_clock import clock_args
from bfbuild_unikernel.qemu.memory import AUTO, resolve_memory

DEBUG_EXIT_PORT = 0xF4
SUCCESS_STATUS = (0x10 << 1) | 1
PANIC_STATUS = (0x11 << 1) | 1
MODULES_FAILED_STATUS = (0x12 << 1) | 1
CPU_UNSUPPORTED_STATUS = (0x13 << 1) | 1
MODEL_FAILED_STATUS = (0x14 << 1) | 1
EXCEPTION_BASE = 0x20  # a CPU exception v exits with code 0x20 + v


def qemu_argv(qemu: str, image: str, cpu_model: Optional[str] = None, memory: str = AUTO,
              extra: Sequence[str] = (), data_disk: Optional[str] = None) -> List[str]:
    """The command line that boots `image`. Drives use snapshot=on: the guest may write to its
    disks, but never changes a build output. Memory "auto" is sized from the data disk
    (qemu/memory.py) when booting, so that the command line is known before the disk is built."""
    drives = ["-drive", f"file={image},format=raw,if=ide,index=0,snapshot=on"]
    if data_disk:
        drives += ["-drive", f"file={data_disk},format=raw,if=ide,index=1,snapshot=on"]
    argv = [qemu, *drives, "-display", "none",
            "-serial", "stdio", "-monitor", "none", "-no-reboot", "-m", memory,
            "-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"]
    if cpu_model:
        argv += ["-cpu", cpu_model]
    return argv + clock_args(extra) + list(extra)  # the kernel labels its figures by it


def describe_status(status: Optional[int], timed_out: bool = False) -> str:
    if timed_out:
        return "timed out (the kernel never exited through isa-debug-exit)"
    if status == SUCCESS_STATUS:
        return f"success (exit status {status})"
    if status == PANIC_STATUS:
        return f"kernel panic (exit status {status})"
    if status == CPU_UNSUPPORTED_STATUS:
        return f"the CPU lacks features the kernel was built for (exit status {status})"
    if status == MODULES_FAILED_STATUS:
        return f"some modules were refused or failed (exit status {status})"
    if status == MODEL_FAILED_STATUS:
        return f"the model on the data disk could not run (exit status {status})"
    if status is not None and status & 1 and EXCEPTION_BASE <= status >> 1 < EXCEPTION_BASE + 32:
        return f"CPU exception {(status >> 1) - EXCEPTION_BASE} (exit status {status})"
    if status == 0:
        return "QEMU exited with status 0: a triple fault or reset, not a clean exit"
    if status is not None and status & 1 and status > 1:
        return f"kernel exited with code {status >> 1:#x} (exit status {status})"
    return f"QEMU failed (exit status {status})"


@dataclass
class BootResult:
    status: Optional[int]
    timed_out: bool
    lines: List[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return not self.timed_out and self.status == SUCCESS_STATUS

    def describe(self, checks_failed: bool = False) -> str:
        """How the boot ended. With checks_failed (the serial output broke an expectation), the
        success status is stated neutrally: "exited with the success status 33"."""
        if checks_failed and self.success:
            return f"exited with the success status {self.status}"
        return describe_status(self.status, self.timed_out)


def boot(argv: Sequence[str], timeout: Optional[float],
         on_line: Optional[Callable[[str], None]] = None) -> BootResult:
    """Run QEMU, collecting serial lines (and passing each to on_line) until it exits or times out."""
    started = time.time()
    proc = subprocess.Popen(resolve_memory(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=end_with_parent)
    lines: List[str] = []

    def pump():
        for raw in proc.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            lines.append(line)
            if on_line:
                on_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
    except KeyboardInterrupt:
        proc.kill()
        proc.wait()
        raise
    reader.join(timeout=5)
    return BootResult(status=None if timed_out else proc.returncode, timed_out=timed_out,
                      lines=lines, seconds=time.time() - started)
