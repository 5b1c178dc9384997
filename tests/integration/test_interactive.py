"""`bfbuild run //images:tinyllama --interactive` driven through a pseudo-terminal, as a user's
terminal would: the kernel asks for a prompt, echoes what is typed (Backspace included), streams
the answer token by token, says how fast, asks again, and an empty line ends the session with the
success status; the terminal's modes are restored afterwards."""
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time

import pytest

pytestmark = pytest.mark.slow

PROMPT = b"\n> "
# The default model's greedy story from this prompt (docs/llama.md, the boot tests).
FIRST_ANSWER = b" there was a brave girl named Sara. Sara loved to play outside."
SPEED = re.compile(rb"\[(\d+) tokens in (\d+\.\d+) s, \d+\.\d tokens/s \(host clock\), "
                   rb"(\d+) positions\]")


class Terminal:
    """The master side of a pseudo-terminal: what was written to it, when."""

    def __init__(self, fd: int):
        self.fd = fd
        self.chunks = []  # (arrival time, bytes)

    @property
    def output(self) -> bytes:
        return b"".join(data for _, data in self.chunks)

    def read_until(self, pattern: bytes, after: int = 0, timeout: float = 120.0) -> int:
        """Reads until pattern appears at or after offset `after`; the offset just past it."""
        deadline = time.time() + timeout
        while pattern not in self.output[after:]:
            left = deadline - time.time()
            assert left > 0, f"{pattern!r} never came; the terminal shows:\n{self.text()}"
            if select.select([self.fd], [], [], left)[0]:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:  # the other side closed: nothing more will come
                    data = b""
                assert data, f"{pattern!r} never came; the terminal shows:\n{self.text()}"
                self.chunks.append((time.time(), data))
        return self.output.index(pattern, after) + len(pattern)

    def arrival(self, offset: int) -> float:
        """When the byte at offset arrived."""
        seen = 0
        for when, data in self.chunks:
            seen += len(data)
            if seen > offset:
                return when
        raise AssertionError(f"nothing arrived at offset {offset}")

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def text(self) -> str:
        return self.output.decode("utf-8", errors="replace")[-4000:]


def ask(term: Terminal, keys: bytes, at: int):
    """Types a prompt at the offset of a '> ' prompt: the answer's bytes, the speed line, and the
    offset of the speed line's end."""
    term.type(keys)
    end = term.read_until(b" positions]", after=at)
    speed = SPEED.search(term.output, at, end)
    assert speed, f"no speed line after the answer:\n{term.text()}"
    return term.output[at:speed.start()], speed, speed.end()


def test_two_prompts_stream_answers_and_an_empty_line_ends(workspace):
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    env = {**os.environ, "BFBUILD_CACHE_DIR": str(workspace.root.parent / "interactive-cache")}
    env.pop("BFBUILD_REMOTE_CACHE", None)
    proc = subprocess.Popen([sys.executable, "-m", "bfbuild", "run", "//images:tinyllama",
                             "--interactive", "--timeout", "180"],
                            cwd=workspace.root, stdin=slave, stdout=slave, stderr=slave, env=env)
    term = Terminal(master)
    try:
        at = term.read_until(PROMPT)
        # Typing, a typo erased with Backspace (DEL, as terminals send it), Enter: the kernel
        # echoes each key, and the model continues the line as it was corrected.
        answer, speed, end = ask(term, b"Once upon a timX\x7fe\r", at)
        assert answer.startswith(b"Once upon a timX\x08 \x08e" + FIRST_ANSWER), answer
        tokens, seconds, positions = int(speed[1]), float(speed[2]), int(speed[3])
        assert 10 < tokens < positions <= 256
        # Streamed: the first words came while the model still ran, well before the speed line
        # (an answer printed at its end would arrive within a few milliseconds of it).
        first = term.arrival(term.output.index(FIRST_ANSWER, at))
        last = term.arrival(speed.start())
        assert last - first > 0.5 * seconds, (first, last, seconds)

        at = term.read_until(PROMPT, after=end)
        answer, speed, at = ask(term, b"Tom had a red ball\r", at)
        words = re.findall(rb"[A-Za-z]+", answer)
        assert answer.startswith(b"Tom had a red ball") and len(words) > 10, answer
        assert int(speed[1]) > 5

        at = term.read_until(PROMPT, after=at)
        term.type(b"\r")  # an empty line ends the session
        term.read_until(b"llama: interactive session ended", after=at)
        term.read_until(b"tinyllama: ok", after=at)
        term.read_until(b"bfbuild: //images:tinyllama: success (exit status 33)", after=at)
        assert proc.wait(timeout=60) == 0, term.text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert termios.tcgetattr(slave) == before  # cbreak mode undone
    os.close(master)
    os.close(slave)
    _killed_outright_leaves_no_emulator(workspace, env)


def _children(pid: int):
    """The processes whose parent is pid, with their command names."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/comm") as handle:
                    name = handle.read().strip()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found[int(entry)] = name
    return found


def _killed_outright_leaves_no_emulator(workspace, env):
    """bfbuild killed with SIGKILL while the kernel waits at its prompt (no chance to stop QEMU,
    which waits for input forever): QEMU goes with it."""
    master, slave = pty.openpty()
    env = {**env, "BFBUILD_SERVER": "0"}  # QEMU a child of this bfbuild, even when the suite runs served
    proc = subprocess.Popen([sys.executable, "-m", "bfbuild", "run", "//images:tinyllama",
                             "--interactive", "--timeout", "180"],
                            cwd=workspace.root, stdin=slave, stdout=slave, stderr=slave, env=env)
    try:
        Terminal(master).read_until(PROMPT)
        qemu = [pid for pid, name in _children(proc.pid).items() if name.startswith("qemu")]
        assert len(qemu) == 1, _children(proc.pid)
        proc.kill()
        proc.wait()
        ends = time.monotonic() + 5
        while os.path.exists(f"/proc/{qemu[0]}") and time.monotonic() < ends:
            time.sleep(0.05)
        assert not os.path.exists(f"/proc/{qemu[0]}"), "QEMU outlived the bfbuild that started it"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
