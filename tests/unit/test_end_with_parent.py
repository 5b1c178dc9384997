"""A child started with end_with_parent (QEMU under `bfbuild run`) dies with bfbuild, even when
bfbuild is killed outright and has no chance to stop it."""
import os
import signal
import subprocess
import sys
import time

PARENT = """
import subprocess, sys, time
from bfbuild.api import end_with_parent
child = subprocess.Popen(["sleep", "60"], preexec_fn=end_with_parent)
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_child_is_killed_when_its_parent_is():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert _alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    ends = time.monotonic() + 5
    while _alive(child) and time.monotonic() < ends:
        time.sleep(0.02)
    assert not _alive(child), "the child outlived its parent"
