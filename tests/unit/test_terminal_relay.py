"""The host side of `bfbuild run --interactive` without a boot: what the guest is told about its
clock (qemu/guest_clock.py) and how typed bytes reach it (qemu/terminal.py)."""
import os

import pytest

from bfbuild_unikernel.qemu import terminal
from bfbuild_unikernel.qemu.boot import qemu_argv
from bfbuild_unikernel.qemu.guest_clock import FWCFG_FILE, guest_clock


@pytest.mark.parametrize("args, clock", [
    ([], "host"),
    (["-smp", "2"], "host"),
    (["-icount", "shift=0,sleep=off"], "icount"),
    (["-icount", "sleep=off,shift=0"], "icount"),
    (["-icount", "0"], "icount"),
    (["--icount", "shift=0"], "icount"),
    (["-icount", "shift=3"], "virtual"),
    (["-icount", "shift=auto"], "virtual"),
    (["-icount", "shift=0", "-icount", "shift=2"], "virtual"),  # QEMU takes the last
])
def test_the_clock_follows_icount_and_its_shift(args, clock):
    assert guest_clock(args) == clock
    argv = qemu_argv("qemu-system-i386", "disk.img", extra=args)
    assert f"name={FWCFG_FILE},string={clock}" in argv
    assert argv[len(argv) - len(args):] == args  # the caller's arguments stay last


def read_all(fd):
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 4096)
    except BlockingIOError:
        return b""


def test_input_typed_before_the_first_prompt_waits_for_it():
    read, write = os.pipe()
    user = terminal._Input(write)
    try:
        user.typed(b"Once upon")
        user.guest_wrote(b"booting...\nllama: interactive: type\n")
        user.typed(b" a time\n")
        assert read_all(read) == b""  # the UART's FIFO resets at boot would drop it
        user.guest_wrote(b"\n")
        user.guest_wrote(b"> ")  # the prompt, split across two reads
        assert read_all(read) == b"Once upon a time\n"
        user.typed(b"exit\n")
        assert read_all(read) == b"exit\n"
        user.typed(b"")  # the end of stdin
        assert read_all(read) == terminal.END_OF_INPUT
    finally:
        os.close(read)
        os.close(write)


def test_the_end_of_input_before_the_prompt_is_held_too():
    read, write = os.pipe()
    user = terminal._Input(write)
    try:
        user.typed(b"")
        assert read_all(read) == b""
        user.guest_wrote(b"\n> ")
        assert read_all(read) == terminal.END_OF_INPUT
    finally:
        os.close(read)
        os.close(write)
