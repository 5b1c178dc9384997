"""Larger and quantised models in the booted kernel against the host references.

A generated model of llama2.c's stories15M shape (dim 288, 6 layers, vocab 32000: 60.8 MB of
float32) and its q8 copy run from data disks sized from their contents, with guest memory sized
from the disk; the trained default model in q8 tells the same story. Tokens must equal
tests/llama_reference.py (float32) and tests/llama_reference_q8.py (q8). Few positions: the
15M model under TCG costs ~30M instructions a position.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from bfbuild_unikernel.qemu.boot import boot, qemu_argv
from bfbuild_unikernel.qemu.memory import guest_memory_mb

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "integration"))
import llama_reference as ref  # noqa: E402
from test_llama import assert_same, boot_llama, output, reference_for  # noqa: E402

pytestmark = pytest.mark.slow

MIB = 1024 * 1024


def weights_line(found_lines, size: int, kind: str) -> None:
    line = [l for l in found_lines if l.startswith("llama: weights ")]
    assert line and line[0].startswith(f"llama: weights {kind}") and line[0].endswith(
        f", {size} bytes in memory"), line


def test_stories15m_shape_f32_and_q8_and_the_default_model_in_q8(workspace):
    workspace.bfbuild("build", "//images:tinyllama_15m", "//images:tinyllama_15m_q8",
                      "//images:tinyllama_q8", check=0)
    image = output(workspace, "images/tinyllama_15m/tinyllama_15m.img")
    f32_folder = output(workspace, "apps/tinyllama/model15m/model.bin").parent
    q8_folder = output(workspace, "apps/tinyllama/model15m_q8/model.bin").parent
    f32_ref, q8_ref = reference_for(f32_folder), reference_for(q8_folder)
    # The q8 arithmetic is not the float32 one: on these random weights it picks other tokens,
    # so a kernel that ran q8 files as float32 (or the reverse) could not pass both.
    assert f32_ref.tokens != q8_ref.tokens and len(f32_ref.tokens) == 5

    disk = output(workspace, "apps/tinyllama/disk15m/disk15m.img")
    assert disk.stat().st_size > 64 * MIB  # sized from the 60.8 MB model, not the old 16 MiB
    assert guest_memory_mb(str(disk)) > 64
    result = boot(qemu_argv("qemu-system-i386", str(image), "qemu32", data_disk=str(disk)),
                  timeout=180)
    found = boot_llama_lines(result, "sse2")
    weights_line(result.lines, (f32_folder / "model.bin").stat().st_size, "f32")
    assert_same(found, f32_ref, "stories15M shape, f32, sse2")

    q8_disk = output(workspace, "apps/tinyllama/disk15m_q8/disk15m_q8.img")
    result = boot(qemu_argv("qemu-system-i386", str(image), "Haswell", data_disk=str(q8_disk)),
                  timeout=180)
    found = boot_llama_lines(result, "avx2")
    weights_line(result.lines, (q8_folder / "model.bin").stat().st_size, "q8 (int8, groups of 32)")
    assert_same(found, q8_ref, "stories15M shape, q8, avx2")

    small = output(workspace, "apps/tinyllama/model_q8/model.bin").parent
    found = boot_llama(output(workspace, "images/tinyllama_q8/tinyllama_q8.img"),
                       fragmented_disk(workspace.root / "fragmented.img", small), "pentium2")
    assert_same(found, reference_for(small), "default model, q8, scalar, fragmented file")
    assert found["text"].startswith(b"Once upon a time there was")


def fragmented_disk(disk: Path, folder: Path) -> Path:
    """A FAT16 disk whose MODEL.BIN is in two runs of clusters: it fills the hole a deleted file
    left, then continues after the file that stays (the kernel reads runs, then follows the FAT)."""
    def mtools(*argv):
        subprocess.run([*argv[:1], "-i", str(disk), *argv[1:]], check=True, capture_output=True)
    with open(disk, "wb") as handle:
        handle.truncate(16 * MIB)
    mtools("mformat", "::")
    hole, keep = disk.with_name("hole.bin"), disk.with_name("keep.bin")
    hole.write_bytes(b"h" * 40000)
    keep.write_bytes(b"k" * 1000)
    mtools("mcopy", str(hole), "::/HOLE.BIN")
    mtools("mcopy", str(keep), "::/KEEP.BIN")
    mtools("mdel", "::/HOLE.BIN")
    for name in ("model.bin", "tokenizer.bin", "llama.cfg"):
        mtools("mcopy", str(folder / name), f"::/{name.replace('tokenizer', 'tokenize').upper()}")
    chains = subprocess.run(["mshowfat", "-i", str(disk), "::/MODEL.BIN"], check=True,
                            capture_output=True, text=True).stdout
    assert chains.count("<") == 2, chains  # e.g. "<3-22><25-224>"
    return disk


def boot_llama_lines(result, variant: str) -> dict:
    """The LLAMA lines of a boot that must have succeeded with this matmul variant."""
    assert result.success, result.describe() + "\n" + "\n".join(result.lines[-20:])
    found = ref.parse_console(result.lines)
    assert found is not None and found["matmul"] == variant, "\n".join(result.lines[-20:])
    return found
