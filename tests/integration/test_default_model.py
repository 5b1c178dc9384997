"""The default model booted: `bfbuild run //images:tinyllama` tells a story in English.

//images:tinyllama carries the trained model of //apps/tinyllama:model
(apps/tinyllama/models/README.md). Booted under QEMU, the kernel's greedy text from
"Once upon a time" must be words of the training stories' vocabulary, many of them, and its
tokens must be those of the NumPy reference (tests/llama_reference.py) on the shipped files.
"""
import re
import sys
from pathlib import Path

import pytest

from bfbuild_unikernel.qemu.boot import SUCCESS_STATUS, boot, qemu_argv

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "training"))
import llama_reference as ref  # noqa: E402
import stories  # noqa: E402

pytestmark = pytest.mark.slow

FOLDER = REPO / "apps/tinyllama/models/tinystories-grammar"
# QEMU CPU model -> the matmul variant the kernel chooses there.
VARIANTS = {"qemu32": "sse2", "Haswell": "avx2"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.conftest import copy_workspace

    workspace = copy_workspace(tmp_path_factory.mktemp("default_model") / "ws")
    workspace.bfbuild("build", "//images:tinyllama", check=0)
    return workspace


def output(workspace, pattern: str) -> Path:
    found = sorted(workspace.root.glob(f"bfout/*/{pattern}"))
    assert found, f"no build output matches {pattern}"
    return found[0]


def boot_default(workspace, cpu: str) -> dict:
    image = output(workspace, "images/tinyllama/tinyllama.img")
    disk = output(workspace, "apps/tinyllama/data_disk/data_disk.img")
    result = boot(qemu_argv("qemu-system-i386", str(image), cpu, data_disk=str(disk)), timeout=300)
    assert result.status == SUCCESS_STATUS, result.describe() + "\n" + "\n".join(result.lines[-20:])
    found = ref.parse_console(result.lines)
    assert found is not None, "\n".join(result.lines[-20:])
    assert found["matmul"] == VARIANTS[cpu]
    found["lines"] = result.lines
    return found


def test_the_kernel_tells_a_story_in_the_training_vocabulary(built):
    found = boot_default(built, "qemu32")
    assert found["prompt"] == "Once upon a time"
    text = found["text"].decode("ascii")
    words = stories.words_of(text)
    assert text.startswith("Once upon a time ") and len(words) >= 40, text
    known = set(stories.vocabulary(1, 20000))
    assert [w for w in words if w not in known] == [], text
    assert text.rstrip()[-1] in '.!?"', text  # the story ended (BOS), not the context
    model_line = [line for line in found["lines"] if line.startswith("llama: model ")]
    assert model_line and "vocab 1024, seq_len 256" in model_line[0], model_line
    # The console names the model and labels its figures: host cycles, as no -icount was given.
    count = ref.parameter_count(ref.load_model(FOLDER / "model.bin"))
    assert f"llama: running tinystories-grammar: {count} parameters, trained weights, f32" in found["lines"]
    assert not any("NOTICE" in line for line in found["lines"])
    assert found["unit"] == "host-cycles" and found["generated"] == len(found["tokens"])
    assert found["positions"] == found["prompt_positions"] + found["generated"]
    assert re.fullmatch(r"\d+ tokens in \d+\.\d{3} s, \d+\.\d tokens/s \(host clock\)", found["speed"])


def test_the_kernel_gives_the_reference_tokens_for_the_shipped_model(built):
    # The files on the data disk are the shipped ones, byte for byte.
    folder = output(built, "apps/tinyllama/model/model.bin").parent
    assert (folder / "model.bin").read_bytes() == (FOLDER / "model.bin").read_bytes()
    assert (folder / "tokenizer.bin").read_bytes() == (FOLDER / "tokenizer.bin").read_bytes()
    expected = ref.run_files(FOLDER / "model.bin", FOLDER / "tokenizer.bin", folder / "llama.cfg")
    for cpu in VARIANTS:
        found = boot_default(built, cpu)
        assert found["tokens"] == expected.tokens, (
            f"{cpu}: tokens differ\n kernel    {found['tokens']}\n reference {expected.tokens}\n"
            f" smallest reference margin {min(expected.margins):.3g}")
        assert found["text"] == expected.text_bytes
        assert found["positions"] == expected.positions
        assert found["per_position"] > 0
