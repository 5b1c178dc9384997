"""The engine lives exactly as long as the bfbuild that started it.

bfbuild starts the engine in a session (and process group) of its own, passes it the workspace
lock, and forwards SIGINT, SIGTERM and SIGHUP to that group. If bfbuild itself dies without a
chance to forward anything (SIGKILL, an OOM kill), Linux sends the engine SIGUSR1 (prctl
PR_SET_PDEATHSIG) and the engine kills its whole group at once: itself and every compiler or
emulator it started. No second writer is ever left in `bfout/`.

`fault_point` lets the fault-injection tests stop a build at a chosen instant, exactly as a
SIGKILL of bfbuild and of the engine's group would (BFBUILD_FAULT=NAME:N stops at the N-th time
the engine passes point NAME); it does nothing unless that variable is set.
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading

PR_SET_PDEATHSIG = 1
FAULT_VARIABLE = "BFBUILD_FAULT"
_fault_lock = threading.Lock()
_fault_counts: dict = {}


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here: a forked child only calls it
except (OSError, AttributeError):
    _prctl = None  # not Linux


def end_with_parent() -> None:
    """Popen's preexec_fn for a child that must not outlive bfbuild (an emulator): the kernel
    SIGKILLs it when the thread that started it ends, bfbuild killed outright included. Start it
    from a thread that lives as long as the child (the main thread, or the engine's job thread
    that waits for it)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _kill_everything(*_args) -> None:
    os.killpg(os.getpgrp(), signal.SIGKILL)


def die_with_parent(parent_pid: int) -> None:
    """Kill this process group as soon as `parent_pid` (bfbuild) is gone."""
    signal.signal(signal.SIGUSR1, _kill_everything)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGUSR1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the check below still catches a parent that is already gone
    if os.getppid() != parent_pid:  # it died before the request above took effect
        _kill_everything()


def fault_point(name: str) -> None:
    """For tests: SIGKILL bfbuild and the engine's group at the N-th pass of point `name`."""
    wanted = os.environ.get(FAULT_VARIABLE)
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    with _fault_lock:
        _fault_counts[name] = _fault_counts.get(name, 0) + 1
        if _fault_counts[name] != int(count or 1):
            return
        os.kill(os.getppid(), signal.SIGKILL)
        _kill_everything()
