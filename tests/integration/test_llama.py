"""Llama-2 inference in the booted kernel against the NumPy reference (tests/llama_reference.py).

Token ids must be equal exactly. The kernel computes in x87 extended precision (scalar variant),
SSE2 or AVX2+FMA float32, each summing in its own order, and the reference in NumPy float32:
results differ in the last bits, which only matters if two logits (or the sampling coin and a
cumulative probability) are closer than that. The reference reports the smallest such margin;
the runs here keep it several orders of magnitude above float32 rounding.
"""
import shutil
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from bfbuild_unikernel.qemu.boot import SUCCESS_STATUS, boot, qemu_argv

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import llama_reference as ref  # noqa: E402

pytestmark = pytest.mark.slow

SHARED = REPO.parent / "shared" / "models"
TRAINED = ("aidreams260K.bin", "aidreams260K.tok512.bin")
# QEMU CPU model -> the matmul variant the kernel must choose there.
VARIANTS = {"pentium2": "scalar", "qemu32": "sse2", "Haswell": "avx2"}


def ensure_llama_rule(workspace):
    """Until the llama-model entry point is installed, load the rule as a workspace plugin."""
    if not any(e.name == "llama-model" for e in entry_points(group="bfbuild.plugins")):
        workspace.edit("BUILD.yaml", "plugins: []", "plugins: [bfbuild_unikernel.rules.llama_model]")


def output(workspace, pattern: str) -> Path:
    found = sorted(workspace.root.glob(f"bfout/*/{pattern}"))
    assert found, f"no build output matches {pattern}"
    return found[0]


def boot_llama(image: Path, disk: Path, cpu: str) -> dict:
    result = boot(qemu_argv("qemu-system-i386", str(image), cpu, data_disk=str(disk)), timeout=180)
    assert result.status == SUCCESS_STATUS, result.describe() + "\n" + "\n".join(result.lines[-20:])
    found = ref.parse_console(result.lines)
    assert found is not None, "\n".join(result.lines[-20:])
    assert f"llama: matmul {VARIANTS[cpu]}" in result.lines
    assert found["matmul"] == VARIANTS[cpu]
    found["lines"] = result.lines
    return found


def reference_for(folder: Path) -> ref.Result:
    return ref.run_files(folder / "model.bin", folder / "tokenizer.bin", folder / "llama.cfg")


def assert_same(found: dict, expected: ref.Result, what: str):
    assert found["tokens"] == expected.tokens, (
        f"{what}: tokens differ\n kernel    {found['tokens']}\n reference {expected.tokens}\n"
        f" smallest reference margin {min(expected.margins):.3g}")
    assert found["text"] == expected.text_bytes, what
    assert found["positions"] == expected.positions, what


def test_the_generated_model_gives_the_reference_tokens_with_every_matmul(workspace):
    ensure_llama_rule(workspace)
    workspace.bfbuild("build", "//images:tinyllama", "//images:tinyllama_sampled", check=0)
    image = output(workspace, "images/tinyllama/tinyllama.img")
    greedy = reference_for(output(workspace, "apps/tinyllama/model/model.bin").parent)
    sampled = reference_for(output(workspace, "apps/tinyllama/sampled_model/model.bin").parent)
    assert greedy.prompt_tokens[0] == ref.BOS and len(greedy.prompt_tokens) > 2
    assert greedy.tokens != sampled.tokens

    for cpu in VARIANTS:
        found = boot_llama(image, output(workspace, "apps/tinyllama/data_disk/data_disk.img"), cpu)
        assert found["prompt"] == "Once upon a time"
        assert_same(found, greedy, f"greedy on {cpu}")
        assert found["per_position"] > 0
    for cpu in ("qemu32", "Haswell"):
        found = boot_llama(image, output(workspace, "apps/tinyllama/sampled_disk/sampled_disk.img"), cpu)
        assert_same(found, sampled, f"sampled on {cpu}")
        # The console says which model runs, and that its weights are random.
        count = ref.parameter_count(ref.load_model(output(workspace, "apps/tinyllama/sampled_model/model.bin")))
        assert (f"llama: running //apps/tinyllama:sampled_model: {count} parameters, random weights, "
                "f32") in found["lines"]
        assert any(line.startswith("llama: NOTICE: this model's weights are random")
                   for line in found["lines"])


TRAINED_BUILD = """\
greedy_model:
  rule: llama-model
  checkpoint: aidreams260K.bin
  tokenizer: aidreams260K.tok512.bin
  prompt: ""
  steps: 128
  temperature: "0.0"

prompted_model:
  rule: llama-model
  checkpoint: aidreams260K.bin
  tokenizer: aidreams260K.tok512.bin
  prompt: Contrast edges sharpen
  steps: 96
  temperature: "0.8"
  topp: "0.9"
  rng_seed: 42
"""
for _name in ("greedy", "prompted"):
    TRAINED_BUILD += f"""
{_name}_disk:
  rule: fat-disk
  files: [":{_name}_model"]

{_name}:
  rule: image
  stage1: //kernel:stage1
  stage2: //kernel:stage2
  kernel: //apps/tinyllama:kernel
  data_disk: :{_name}_disk
"""


@pytest.mark.skipif(not all((SHARED / f).exists() for f in TRAINED),
                    reason=f"external data: no trained checkpoint in {SHARED}")
def test_the_trained_checkpoint_prints_the_reference_text(workspace):
    ensure_llama_rule(workspace)
    package = workspace.path("trained")  # a package of the temporary copy, never of the repository
    package.mkdir()
    for name in TRAINED:
        shutil.copyfile(SHARED / name, package / name)
    (package / "BUILD.yaml").write_text(TRAINED_BUILD)
    workspace.bfbuild("build", "//trained:greedy", "//trained:prompted", check=0)

    for name in ("greedy", "prompted"):
        expected = reference_for(output(workspace, f"trained/{name}_model/model.bin").parent)
        for cpu in ("qemu32", "Haswell"):
            found = boot_llama(output(workspace, f"trained/{name}/{name}.img"),
                               output(workspace, f"trained/{name}_disk/{name}_disk.img"), cpu)
            assert_same(found, expected, f"{name} on {cpu}")
            if name == "greedy":
                assert found["text"].startswith(b'"Echoes of vectors unfold, a gentle hum of precision,')
                assert found["positions"] == 128
            else:
                assert found["text"].startswith(b"Contrast edges sharpen")
