"""The README's sample output (Quick start) is what `bfbuild run //images:tinyllama` prints: each
line of the sample appears in the real output, in order. In the sample, a line `...` stands for
any number of lines and `...` inside a line for any text, so the sample may shorten the output
but never show a value (sector count, level, hash) the real run does not print."""
import re

import pytest

from tests.integration.conftest import REPO

pytestmark = pytest.mark.slow


def readme_sample(text: str):
    """The lines of the first fenced block after 'prints what the kernel writes'."""
    start = text.index("prints what the kernel writes")
    block = re.search(r"```\n(.*?)```", text[start:], re.S)
    return block[1].splitlines()


def matches(sample, real):
    """Each sample line matches a later real line, in order (see the module's docstring)."""
    at = 0
    for line in sample:
        if line.strip() == "...":
            continue
        pattern = re.compile(".*".join(map(re.escape, line.split("..."))) + r"\Z")
        while at < len(real) and not pattern.match(real[at]):
            at += 1
        if at == len(real):
            return line
        at += 1
    return None


def test_the_matcher_reads_ellipses_and_order():
    real = ["a 1", "b", "c 33 d", "e"]
    assert matches(["a 1", "...", "c ... d"], real) is None
    assert matches(["c 33 d", "a 1"], real) == "a 1"
    assert matches(["a 2"], real) == "a 2"


def test_the_readme_sample_output_is_what_a_run_prints(workspace):
    sample = readme_sample((REPO / "README.md").read_text())
    proc = workspace.bfbuild("run", "//images:tinyllama", check=0)
    real = proc.stdout.splitlines()
    missing = matches(sample, real)
    serial = [l for l in real if not l.startswith(("[", "  //")) and "action(s) run" not in l]
    assert missing is None, (f"README.md's sample shows {missing!r}, which the run does not print; "
                             "the run printed:\n" + "\n".join(serial))
