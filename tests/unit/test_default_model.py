"""The default model of //apps/tinyllama:model (apps/tinyllama/models/): the shipped files are
what the kernel accepts and what training/train.py recorded, the tokenizer is reproduced from the
story generator, the trainer encodes text as the kernel does, and the host reference's greedy
story is English made of the training vocabulary. No torch here: training itself is not rerun."""
import hashlib
import json
import struct
import sys
from pathlib import Path

import pytest
import yaml

from bfbuild_unikernel.llama import steps as llama_steps
from bfbuild_unikernel.llama import tokenizer as llama_tokenizer
from bfbuild_unikernel.llama import weights as llama_weights

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "training"))
import bpe  # noqa: E402
import llama_reference as ref  # noqa: E402
import stories  # noqa: E402

FOLDER = REPO / "apps/tinyllama/models/tinystories-grammar"
MODEL, TOKENIZER = FOLDER / "model.bin", FOLDER / "tokenizer.bin"
RECORD = json.loads((FOLDER / "train.json").read_text())
SEED = RECORD["args"]["seed"]


def default_target() -> dict:
    return yaml.safe_load((REPO / "apps/tinyllama/BUILD.yaml").read_text())["model"]


def test_the_default_target_uses_the_shipped_files():
    target = default_target()
    assert (REPO / "apps/tinyllama" / target["checkpoint"]) == MODEL
    assert (REPO / "apps/tinyllama" / target["tokenizer"]) == TOKENIZER
    assert target["prompt"] == "Once upon a time" and target["temperature"] == "0.0"


def test_the_shipped_files_are_what_training_recorded_and_the_kernel_accepts():
    model, tokenizer = MODEL.read_bytes(), TOKENIZER.read_bytes()
    assert hashlib.sha256(model).hexdigest() == RECORD["sha256"]["model.bin"]
    assert hashlib.sha256(tokenizer).hexdigest() == RECORD["sha256"]["tokenizer.bin"]
    config = llama_weights.validate_checkpoint(model)
    recorded = RECORD["config"]
    assert (config.dim, config.hidden_dim, config.n_layers, config.n_heads, config.n_kv_heads,
            config.vocab_size, config.seq_len) == tuple(recorded[k] for k in (
                "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"))
    assert config.shared_classifier  # tied to the embedding: a positive vocab_size in the header
    max_len, pieces, _ = llama_tokenizer.parse_tokenizer(tokenizer, config.vocab_size)
    assert pieces[1] == b"\n<s>\n" and pieces[3] == b"<0x00>" and pieces[258] == b"<0xFF>"
    # The kernel's limits (apps/tinyllama/llama/checkpoint.c, tokenizer.c; a 16 MiB data disk).
    assert 0 < max_len <= 4096 and config.vocab_size >= 259
    assert len(model) < 8 * 1024 * 1024
    # The steps of the default run fit the context.
    assert 0 < default_target()["steps"] <= config.seq_len


def test_the_tokenizer_is_reproduced_from_the_story_generator():
    args = RECORD["args"]
    texts = [next(s) for s in [stories.stories(SEED)] for _ in range(args["tokenizer_stories"])]
    vocab = bpe.build_vocab(texts, args["vocab_size"])
    assert bpe.tokenizer_bytes(vocab) == TOKENIZER.read_bytes()


def test_the_stories_are_deterministic_plain_ascii_with_a_few_hundred_words():
    first = [next(s) for s in [stories.stories(SEED)] for _ in range(50)]
    again = [next(s) for s in [stories.stories(SEED)] for _ in range(50)]
    assert first == again
    assert first != [next(s) for s in [stories.stories(SEED + 1)] for _ in range(50)]
    assert all(text.isascii() and text.isprintable() and "  " not in text for text in first)
    assert 200 <= len(stories.vocabulary(SEED, 2000)) <= 600


def test_the_trainer_encodes_as_the_kernel_does():
    """Training ids are the kernel's: training/bpe.py's encoder against the reference's run.c."""
    encoder = bpe.Encoder(bpe.read_tokenizer(TOKENIZER.read_bytes(), RECORD["config"]["vocab_size"]))
    kernel = ref.Tokenizer(TOKENIZER, RECORD["config"]["vocab_size"])
    samples = [next(s) for s in [stories.stories(SEED + 7)] for _ in range(20)]
    samples += ["Once upon a time", "Zebras quickly jumped; {odd} words & symbols!"]
    for text in samples:
        assert encoder.encode(text) == kernel.encode(text), text


@pytest.fixture(scope="module")
def greedy(tmp_path_factory):
    """The host reference's run with the default target's parameters (its llama.cfg)."""
    target = default_target()
    cfg = tmp_path_factory.mktemp("cfg") / "llama.cfg"
    cfg.write_text(llama_steps.config_text({
        "prompt": target["prompt"], "steps": target["steps"], "temperature": target["temperature"],
        "topp": target.get("topp", "0.9"), "rng_seed": target.get("rng_seed", 42),
        "matmul": "auto"}))
    return ref.run_files(MODEL, TOKENIZER, cfg)


def test_the_greedy_story_is_made_of_training_words(greedy):
    text = greedy.text
    words = stories.words_of(text)
    assert text.startswith("Once upon a time")
    assert len(words) >= 40, text
    known = set(stories.vocabulary(SEED, 20000))
    assert [w for w in words if w not in known] == [], text
    # A story ends: the model samples BOS before the context is full, and the last word ends a
    # sentence.
    assert greedy.tokens[-1] == ref.BOS and greedy.positions < RECORD["config"]["seq_len"], text
    assert text.rstrip()[-1] in '.!?"', text
    # Clear choices: float rounding in the kernel's matmuls cannot flip a token.
    assert min(greedy.margins) > 1e-3


def test_the_card_shows_the_shipped_numbers():
    card = (REPO / "apps/tinyllama/models/README.md").read_text()
    assert RECORD["sha256"]["model.bin"] in card
    assert f"{RECORD['final_val_loss']:.3f}" in card
    assert (FOLDER / "loss.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", (FOLDER / "loss.png").read_bytes()[16:24])[0] >= 400
