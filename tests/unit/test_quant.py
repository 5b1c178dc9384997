"""Q8 checkpoints (bfbuild_unikernel/llama/quant.py), the q8 host reference's arithmetic, the
32000-piece generated tokenizer, and the sizes of data disks and guest memory."""
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from bfbuild.api import StepError
from bfbuild_unikernel.llama import quant, tokenizer, weights
from bfbuild_unikernel.qemu.memory import guest_memory_mb, resolve_memory
from bfbuild_unikernel.rules.fat_disk_steps import size_from_contents

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import llama_reference as ref  # noqa: E402
import llama_reference_q8 as ref_q8  # noqa: E402

SMALL = weights.Config(64, 160, 2, 4, 2, 400, 16, shared_classifier=False)


def test_a_q8_file_has_llama2c_version_2_header_and_rows_of_groups(tmp_path):
    data = weights.generate_checkpoint(SMALL, 3)
    q8 = quant.quantize_checkpoint(data)
    magic, version, *shape, shared, group = struct.unpack_from("<Ii7iBi", q8)
    assert (magic, version, q8[:4]) == (0x616B3432, 2, b"24ka")
    assert shape == [64, 160, 2, 4, 2, 400, 16] and shared == 0
    assert group == 32 == quant.group_size_for(SMALL)  # 64 does not divide 160
    assert len(q8) == quant.q8_size(SMALL, 32) < len(data) / 3
    assert quant.parse_q8_header(q8) == (SMALL, 32)
    with pytest.raises(ValueError, match="describes"):
        quant.parse_q8_header(q8[:-1])
    # The reference reads it back: each weight within half a step of its group's scale.
    path = tmp_path / "model.bin"
    path.write_bytes(q8)
    model = ref.load_model(path)
    f32 = ref.load_model(_write(tmp_path / "f32.bin", data))
    q, s = model.weights["w2"][1]
    restored = q.astype(np.float32) * np.repeat(s, 32, axis=1)
    assert np.all(np.abs(restored - f32.weights["w2"][1]) <= np.repeat(s, 32, axis=1) * 0.5001)


def _write(path, data):
    path.write_bytes(data)
    return path


def test_activations_round_halves_away_from_zero_and_zero_groups_stay_zero():
    x = np.array([127.0, 63.5, -63.5, 0.49] + [0.0] * 28 + [0.0] * 32, np.float32)
    q, s = ref_q8.quantize(x, 32)
    assert list(q[:4]) == [127, 64, -64, 0] and s[0] == np.float32(1.0)
    assert s[1] == 0 and not q[32:].any()


def test_the_q8_matmul_sums_integer_groups_then_floats_in_group_order():
    rng = np.random.RandomState(0)
    w = rng.randint(-127, 128, (3, 64)).astype(np.int8)
    ws = rng.rand(3, 2).astype(np.float32)
    x = rng.randn(64).astype(np.float32)
    xq, xs = ref_q8.quantize(x, 32)
    want = []
    for row, scales in zip(w.astype(np.int64), ws):
        val = np.float32(0)
        for g in range(2):
            dot = int(np.dot(row[32 * g:32 * g + 32], xq[32 * g:32 * g + 32]))
            val = np.float32(val + np.float32(np.float32(dot) * scales[g]) * xs[g])
        want.append(val)
    assert list(ref_q8.matmul((w, ws), x, 32)) == want


def test_the_generated_tokenizer_reaches_llama2c_32000_pieces():
    vocab = tokenizer.generate_vocab(32000)
    pieces = [p for p, _ in vocab]
    assert len(pieces) == len(set(pieces)) == 32000
    assert pieces[:3] == tokenizer.SPECIAL
    # The small vocabularies are what they were before word pairs existed.
    assert [p for p, _ in tokenizer.generate_vocab(512)] == pieces[:512 - 95] + pieces[-95:]


def test_disks_and_guest_memory_grow_with_the_contents(tmp_path):
    small, big = tmp_path / "small", tmp_path / "big"
    small.write_bytes(b"x" * 1000)
    with open(big, "wb") as handle:
        handle.truncate(61 * 1024 * 1024)
    assert size_from_contents([str(small)]) == 16
    assert size_from_contents([str(small), str(big)]) == 72  # 61 MiB + a tenth + 4
    with open(big, "r+b") as handle:
        handle.truncate(2000 * 1024 * 1024)
    with pytest.raises(StepError, match="FAT16"):
        size_from_contents([str(big)])
    disk = tmp_path / "disk.img"
    with open(disk, "wb") as handle:
        handle.truncate(69 * 1024 * 1024)
    assert guest_memory_mb(None) == 64 and guest_memory_mb(str(small)) == 64
    assert guest_memory_mb(str(disk)) == 112  # 4 + 69 + 17 + 16 = 106, in steps of 16
    argv = ["qemu", "-drive", f"file={disk},format=raw,if=ide,index=1,snapshot=on", "-m", "auto"]
    assert resolve_memory(argv)[-1] == "112M"
    assert resolve_memory(["qemu", "-m", "32M"]) == ["qemu", "-m", "32M"]
