"""`bfbuild run --interactive`: this terminal as the guest's serial console.

QEMU runs with its serial port on pipes (-serial stdio) in a session of its own, and this process
relays: the user's bytes to the guest as they are typed (the terminal in cbreak mode: no line
buffering, no local echo, since the kernel echoes; Ctrl-C still interrupts, here), the guest's
bytes to stdout as they come, so that a prompt without a line end and each streamed token show
at once. What is typed before the guest first prompts (a line starting "> ") is held until then:
the boot loader and the kernel reset the UART's FIFOs, which would drop it. The end of the input
is sent as Ctrl-D, which ends the kernel's session. The terminal is restored however the session
ends: QEMU's exit, a timeout, Ctrl-C.
"""
from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import termios
import time
from typing import List, Optional, Sequence

from bfbuild.api import end_with_parent
from bfbuild_unikernel.qemu.boot import BootResult

INTERACTIVE_FWCFG_FILE = "opt/bareflow/interactive"
INTERACTIVE_ARGS = ["-fw_cfg", f"name={INTERACTIVE_FWCFG_FILE},string=1"]
END_OF_INPUT = b"\x04"  # Ctrl-D; the kernel's line editor ends the session on it
PROMPT = b"\n> "  # the guest asks for a line: input typed before the first one is held


@contextlib.contextmanager
def cbreak(fd: int):
    """The terminal on fd without line buffering and echo (signals kept); restored on exit."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    mode = termios.tcgetattr(fd)
    mode[3] &= ~(termios.ICANON | termios.ECHO)
    mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
    termios.tcsetattr(fd, termios.TCSANOW, mode)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class _Lines:
    """The guest's output split into lines, for the BootResult."""

    def __init__(self):
        self.lines: List[str] = []
        self._partial = b""

    def add(self, data: bytes) -> None:
        *complete, self._partial = (self._partial + data).split(b"\n")
        self.lines += [line.decode("utf-8", errors="replace").rstrip("\r") for line in complete]

    def finish(self) -> List[str]:
        if self._partial:
            self.add(b"\n")
        return self.lines


def attach(argv: Sequence[str], timeout: Optional[float], stdin_fd: int = 0,
           stdout=None) -> BootResult:
    """Run QEMU with the terminal (stdin_fd, stdout) on its serial port until it exits."""
    stdout = stdout or sys.stdout.buffer
    started = time.time()
    proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=end_with_parent)
    lines = _Lines()
    try:
        with cbreak(stdin_fd):
            timed_out = _relay(proc, stdin_fd, stdout, lines,
                               None if timeout is None else started + timeout)
        if timed_out:
            proc.kill()
        proc.wait()
    except BaseException:  # Ctrl-C (QEMU, in its own session, did not get it) or a failure
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.stdin.close()
        proc.stdout.close()
    return BootResult(status=None if timed_out else proc.returncode, timed_out=timed_out,
                      lines=lines.finish(), seconds=time.time() - started)


def _relay(proc, stdin_fd: int, stdout, lines: _Lines, deadline: Optional[float]) -> bool:
    """Copies bytes both ways until QEMU closes its output; True when the deadline passed."""
    guest_out = proc.stdout.fileno()
    user = _Input(proc.stdin.fileno())
    selector = selectors.PollSelector()  # poll, unlike epoll, takes a regular file as stdin
    selector.register(guest_out, selectors.EVENT_READ)
    try:
        selector.register(stdin_fd, selectors.EVENT_READ)
    except (OSError, ValueError):  # no usable stdin: nothing will be typed
        user.typed(b"")
    while True:
        wait = None if deadline is None else deadline - time.time()
        if wait is not None and wait <= 0:
            return True
        ready = [key.fd for key, _ in selector.select(wait)]
        if guest_out in ready:
            data = os.read(guest_out, 4096)
            if not data:
                return False  # QEMU exited
            stdout.write(data)
            stdout.flush()
            lines.add(data)
            user.guest_wrote(data)
        if stdin_fd in ready:
            data = os.read(stdin_fd, 1024)
            if not data:
                selector.unregister(stdin_fd)
            user.typed(data)


class _Input:
    """The user's bytes on their way to the guest, held until its first prompt."""

    def __init__(self, guest_in: int):
        self.guest_in = guest_in
        self.held = b""
        self.asked = False
        self.tail = b""  # the end of the guest's output, for a prompt split across reads

    def typed(self, data: bytes) -> None:
        """Bytes read from stdin; b"" is its end, sent as Ctrl-D."""
        self.held += data or END_OF_INPUT
        self._send()

    def guest_wrote(self, data: bytes) -> None:
        if not self.asked:
            seen = self.tail + data
            self.asked = PROMPT in seen
            self.tail = seen[-len(PROMPT):]
            self._send()

    def _send(self) -> None:
        if self.asked and self.held:
            try:
                os.write(self.guest_in, self.held)
            except BrokenPipeError:
                pass  # QEMU is exiting; its output says how
            self.held = b""
