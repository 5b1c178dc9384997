"""The polled PS/2 keyboard driver, driven by keys QEMU's monitor types (sendkey)."""
import socket
import subprocess
import threading
import time

import pytest

from bfbuild_unikernel.qemu.boot import SUCCESS_STATUS, qemu_argv

pytestmark = pytest.mark.slow

APP_MAIN = r"""
#include <bf/console.h>
#include <bf/exit.h>
#include <bf/keyboard.h>

void kmain(void);

/* Echo typed keys until Enter: the test types them through QEMU's monitor. */
void kmain(void)
{
    char line[64];
    unsigned n = 0;
    kprintf("keyboard: ready\n");
    for (;;) {
        char c = keyboard_poll();
        if (c == '\n' || n == sizeof line - 1)
            break;
        if (c)
            line[n++] = c;
    }
    line[n] = '\0';
    kprintf("KEYS: %s\n", line);
    bf_exit(BF_EXIT_SUCCESS);
}
"""


def test_typed_keys_reach_the_kernel_with_shift(workspace, tmp_path):
    workspace.add_app("kbdtest", APP_MAIN)
    workspace.bfbuild("build", "//kbdtest:image", check=0)
    image = workspace.path("bfout/i686-any-clang/kbdtest/image/image.img")
    monitor = tmp_path / "monitor.sock"
    argv = qemu_argv("qemu-system-i386", str(image), "qemu32", memory="32M",
                     extra=["-monitor", f"unix:{monitor},server,nowait"])
    at = argv.index("-monitor")  # the default command line's '-monitor none'
    assert argv[at + 1] == "none"
    del argv[at:at + 2]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines, ready = [], threading.Event()

    def pump():
        for line in proc.stdout:
            lines.append(line.rstrip("\r\n"))
            if "keyboard: ready" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert ready.wait(60), lines
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(monitor))
            for key in ["h", "i", "shift-1", "spc", "shift-b", "f", "ret"]:
                sock.sendall(f"sendkey {key}\n".encode())
                time.sleep(0.2)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == SUCCESS_STATUS, lines
    assert "KEYS: hi! Bf" in lines
