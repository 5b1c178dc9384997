"""A data disk whose model cannot run fails the boot with its own status (41,
BF_EXIT_MODEL_FAILED), naming why; a good model still exits 33 and a disk without a model is
still only skipped.

The damaged checkpoints are written into a package of the temporary workspace copy and put on a
fat-disk as plain files (the llama-model rule would refuse them at build time, as it should: the
kernel must not trust that a disk was made by it).
"""
import re
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bfbuild_unikernel.qemu.boot import MODEL_FAILED_STATUS, SUCCESS_STATUS, boot, describe_status, qemu_argv

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import llama_reference as ref  # noqa: E402
HEADER = struct.Struct("<7i")
# The generated model of //apps/tinyllama:random_model (the llama-model rule's defaults; the
# default //apps/tinyllama:model is a trained checkpoint of another shape).
DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, VOCAB, SEQ_LEN = 64, 172, 3, 4, 2, 512, 64
CASES = ("bad_magic", "bad_header", "truncated", "nan_logits", "inf_logits", "bad_tokenizer")


def test_the_model_failed_status_matches_the_header_and_has_a_name():
    text = (REPO / "kernel/include/bf/exit.h").read_text()
    code = int(re.search(r"#define BF_EXIT_MODEL_FAILED (0x[0-9a-fA-F]+)", text)[1], 16)
    assert MODEL_FAILED_STATUS == (code << 1) | 1 == 41
    assert describe_status(41) == "the model on the data disk could not run (exit status 41)"


def classifier_offset(token: int) -> int:
    """Byte offset of the classifier row of `token` (stored last: vocab_size < 0 in the header)."""
    head_size, kv_dim = DIM // HEADS, DIM // HEADS * KV_HEADS
    floats = (VOCAB * DIM + LAYERS * (2 * DIM + 2 * DIM * DIM + 2 * DIM * kv_dim + 3 * DIM * HIDDEN)
              + DIM + SEQ_LEN * head_size)
    return HEADER.size + 4 * (floats + token * DIM)


def final_state(model: bytes, token: int):
    """The reference's normalised state before the classifier, for `token` at position 0."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.bin"
        path.write_bytes(model)
        m = ref.load_model(path)
    m.weights["wcls"] = np.eye(DIM, dtype=np.float32)  # the classifier then returns its input
    return ref.Transformer(m).forward(token, 0).astype(np.float64)


def damaged(case: str, model: bytes, tokenizer: bytes):
    """(model.bin, tokenizer.bin) for a case."""
    header = list(HEADER.unpack_from(model))
    assert header == [DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, -VOCAB, SEQ_LEN], header
    body = model[HEADER.size:]
    if case == "bad_magic":  # not a checkpoint at all
        return b"GGUF" + bytes(60) + body, tokenizer
    if case == "bad_header":  # a negative layer count
        header[2] = -3
        return HEADER.pack(*header) + body, tokenizer
    if case == "truncated":  # the last 1000 bytes are missing
        return model[:-1000], tokenizer
    if case in ("nan_logits", "inf_logits"):
        # One classifier row. NaN makes that token's logit NaN at the first position (a plain
        # argmax just skips it). For infinity, finite weights whose products are finite but whose
        # sum overflows float32: sign(x) * 1e37, x the final normalised state of BOS at position 0.
        if case == "nan_logits":
            row = struct.pack("<f", float("nan")) * DIM
        else:
            x = final_state(model, token=1)
            assert np.abs(x).max() * 1e37 < 3e38 and np.abs(x).sum() * 1e37 > 4e38
            row = (np.sign(x) * 1e37).astype("<f4").tobytes()
        data = bytearray(model)
        at = classifier_offset(300)
        data[at:at + len(row)] = row
        return bytes(data), tokenizer
    if case == "bad_tokenizer":  # the right model, a tokenizer cut short
        return model, tokenizer[:100]
    raise AssertionError(case)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from tests.integration.conftest import copy_workspace

    workspace = copy_workspace(tmp_path_factory.mktemp("damaged_model") / "ws")
    workspace.bfbuild("build", "//images:tinyllama", "//apps/tinyllama:random_model", check=0)
    good = sorted(workspace.root.glob("bfout/*/apps/tinyllama/random_model/model.bin"))[0].parent
    model, tokenizer = (good / "model.bin").read_bytes(), (good / "tokenizer.bin").read_bytes()
    package = workspace.path("damaged")  # a package of the temporary copy, never of the repository
    build = []
    for case in CASES:
        folder = package / case
        folder.mkdir(parents=True)
        bad_model, bad_tokenizer = damaged(case, model, tokenizer)
        (folder / "model.bin").write_bytes(bad_model)
        (folder / "tokenize.bin").write_bytes(bad_tokenizer)
        (folder / "llama.cfg").write_bytes((good / "llama.cfg").read_bytes())
        build.append(f"{case}_disk:\n  rule: fat-disk\n"
                     f"  files: [{case}/model.bin, {case}/tokenize.bin, {case}/llama.cfg]\n\n"
                     f"{case}:\n  rule: image\n  stage1: //kernel:stage1\n  stage2: //kernel:stage2\n"
                     f"  kernel: //apps/tinyllama:kernel\n  data_disk: :{case}_disk\n")
    (package / "BUILD.yaml").write_text("\n".join(build))
    workspace.bfbuild("build", *(f"//damaged:{case}" for case in CASES), check=0)
    return workspace


def boot_case(workspace, case: str, cpu: str = "qemu32"):
    image = sorted(workspace.root.glob(f"bfout/*/damaged/{case}/{case}.img"))[0]
    disk = sorted(workspace.root.glob(f"bfout/*/damaged/{case}_disk/{case}_disk.img"))[0]
    return boot(qemu_argv("qemu-system-i386", str(image), cpu, data_disk=str(disk)), timeout=120)


def assert_model_failed(result, reason: str):
    log = "\n".join(result.lines)
    assert result.status == MODEL_FAILED_STATUS, result.describe() + "\n" + log
    assert any(re.search(reason, line) for line in result.lines if line.startswith("LLAMA: ")), log
    # The modules ran, and the failure is the model's alone.
    assert any(re.match(r"modules: \d+ ran .* 0 refused, 0 failed", line) for line in result.lines), log
    assert result.lines[-1] == "tinyllama: the model on the data disk could not run", log
    assert "tinyllama: ok" not in result.lines
    assert not any(line.startswith(("PANIC", "EXCEPTION", "LLAMA tokens:")) for line in result.lines), log


@pytest.mark.slow
@pytest.mark.parametrize("case, reason", [
    ("bad_magic", r"^LLAMA: MODEL\.BIN rejected: header values out of range"),
    ("bad_header", r"^LLAMA: MODEL\.BIN rejected: header values out of range"),
    ("truncated", r"^LLAMA: MODEL\.BIN rejected: its size does not match its header "
                  rf"\({811804 - 1000} bytes\)"),
    ("bad_tokenizer", r"^LLAMA: TOKENIZE\.BIN rejected: "),
])
def test_a_rejected_model_file_fails_with_the_model_status(built, case, reason):
    assert_model_failed(boot_case(built, case), reason)


@pytest.mark.slow
@pytest.mark.parametrize("cpu", ["pentium2", "qemu32", "Haswell"])  # scalar, sse2, avx2 matmul
@pytest.mark.parametrize("case, kind", [("nan_logits", "NaN"), ("inf_logits", r"\+inf")])
def test_non_finite_logits_are_reported_with_position_and_token(built, case, kind, cpu):
    result = boot_case(built, case, cpu)
    # Token 1 (BOS) runs at position 0; the damaged classifier row is token 300's.
    assert_model_failed(result, rf"^LLAMA: logits not finite at position 0 \(token 1\): "
                                rf"logit 300 is {kind}$")


@pytest.mark.slow
def test_a_good_model_still_succeeds(built):
    image = sorted(built.root.glob("bfout/*/images/tinyllama/tinyllama.img"))[0]
    disk = sorted(built.root.glob("bfout/*/apps/tinyllama/data_disk/data_disk.img"))[0]
    result = boot(qemu_argv("qemu-system-i386", str(image), "qemu32", data_disk=str(disk)), timeout=120)
    assert result.status == SUCCESS_STATUS, result.describe()
    assert any(line.startswith("LLAMA tokens: ") for line in result.lines)
    assert not any(line.startswith("LLAMA: ") for line in result.lines)
    assert result.lines[-1] == "tinyllama: ok"
    # And without a model the inference is skipped, not failed.
    bare = boot(qemu_argv("qemu-system-i386", str(image), "qemu32"), timeout=120)
    assert bare.status == SUCCESS_STATUS, bare.describe()
    assert "LLAMA: no model on the data disk, skipped" in bare.lines
