"""The NumPy reference of the kernel's Llama-2 inference (tests/llama_reference.py), the model
generator of the llama-model rule (plugins/llama_*.py), and the rule's analysis."""
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from bfbuild_unikernel.llama import steps as llama_model
from bfbuild_unikernel.llama import tokenizer as llama_tokenizer
from bfbuild_unikernel.llama import weights as llama_weights

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import llama_reference as ref  # noqa: E402

SHARED = REPO.parent / "shared" / "models"
TRAINED_MODEL = SHARED / "aidreams260K.bin"
TRAINED_TOKENIZER = SHARED / "aidreams260K.tok512.bin"
needs_trained = pytest.mark.skipif(not TRAINED_MODEL.exists() or not TRAINED_TOKENIZER.exists(),
                                   reason=f"external data: no trained checkpoint in {SHARED}")

DEFAULT_SHAPE = dict(dim=64, hidden_dim=172, n_layers=3, n_heads=4, n_kv_heads=2,
                     vocab_size=512, seq_len=64, shared_classifier=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The default generated model, through the rule's own Python step."""
    folder = tmp_path_factory.mktemp("model")
    outputs = [str(folder / "model.bin"), str(folder / "tokenizer.bin")]
    llama_model.generate_model([], outputs, {"config": DEFAULT_SHAPE, "seed": 2})
    return folder


# -- the trained checkpoint --------------------------------------------------------------------

@needs_trained
def test_trained_model_greedy_from_an_empty_prompt():
    result = ref.run_files(TRAINED_MODEL, TRAINED_TOKENIZER, prompt="", steps=40,
                           temperature="0.0", topp="0.9", seed=42)
    assert result.prompt_tokens == [1]
    # run.c prints the same, opening quote included (../shared/models/README.md).
    assert result.text.startswith('"Echoes of vectors unfold, a gentle hum of precision,'), result.text
    assert result.positions == 40 and len(result.tokens) == 40


@needs_trained
@pytest.mark.parametrize("text", ["Echoes of vectors", "a gentle hum of precision, as I sense",
                                  "Contrast edges sharpen."])
def test_trained_tokenizer_round_trips(text):
    model = ref.load_model(TRAINED_MODEL)
    tok = ref.Tokenizer(TRAINED_TOKENIZER, model.vocab_size)
    tokens = tok.encode(text)
    assert tokens[0] == ref.BOS
    assert len(tokens) < len(text)  # merges happened
    decoded = b"".join(tok.decode(prev, t) for prev, t in zip(tokens, tokens[1:]))
    assert decoded == text.encode()


# -- the generated tokenizer -------------------------------------------------------------------

def test_generated_vocabulary_layout():
    vocab = llama_tokenizer.generate_vocab(512)
    pieces = [p for p, _ in vocab]
    assert len(pieces) == 512 and len(set(pieces)) == 512
    assert pieces[:3] == ["<unk>", "\n<s>\n", "\n</s>\n"]
    assert pieces[3] == "<0x00>" and pieces[258] == "<0xFF>"
    assert " " in pieces and " the" in pieces
    merges = vocab[259:512 - len(llama_tokenizer.CHARACTERS)]
    scores = [s for _, s in merges]
    assert scores == sorted(scores, reverse=True)  # training order = merge priority
    # Every merged piece can be built from two pieces of the vocabulary.
    known = set(pieces)
    for piece, _ in merges:
        assert any(piece[:i] in known and piece[i:] in known for i in range(1, len(piece)))


@pytest.mark.parametrize("text", ["Once upon a time", "the boy and the girl went to the harbour",
                                  "Caf\u00e9 \u2615 ~{|}", "  two  spaces", "x"])
def test_generated_tokenizer_round_trips(generated, text):
    tok = ref.Tokenizer(generated / "tokenizer.bin", 512)
    tokens = tok.encode(text)
    assert tokens[:2] == [ref.BOS, tok.ids[b" "]] or tokens[1] in range(259, 512)
    decoded = b"".join(tok.decode(prev, t) for prev, t in zip(tokens, tokens[1:]))
    assert decoded == text.encode("utf-8")


def test_encoding_merges_pairs_and_falls_back_to_bytes(generated):
    tok = ref.Tokenizer(generated / "tokenizer.bin", 512)
    tokens = tok.encode("the \u00e9")
    pieces = [tok.pieces[t] for t in tokens]
    assert pieces[:2] == [b"\n<s>\n", b" the"]      # dummy prefix merged into " the"
    assert tokens[-2:] == [0xC3 + 3, 0xA9 + 3]     # no piece for "é": its UTF-8 bytes
    assert tok.encode("") == [ref.BOS]


# -- the generated checkpoint ------------------------------------------------------------------

def test_the_generator_is_deterministic(generated, tmp_path):
    again = [str(tmp_path / "model.bin"), str(tmp_path / "tokenizer.bin")]
    llama_model.generate_model([], again, {"config": DEFAULT_SHAPE, "seed": 2})
    for name in ("model.bin", "tokenizer.bin"):
        assert (generated / name).read_bytes() == (tmp_path / name).read_bytes(), name
    other = llama_weights.generate_checkpoint(llama_weights.Config(**DEFAULT_SHAPE), 3)
    assert other != (generated / "model.bin").read_bytes()


def test_the_generated_checkpoint_has_a_valid_header(generated):
    data = (generated / "model.bin").read_bytes()
    header = struct.unpack_from("<7i", data)
    assert header == (64, 172, 3, 4, 2, -512, 64)  # negative: separate classifier
    config = llama_weights.validate_checkpoint(data)
    assert config.n_kv_heads < config.n_heads and not config.shared_classifier
    model = ref.load_model(generated / "model.bin")
    assert model.weights["wk"].shape == (3, 32, 64)
    assert np.all(np.isfinite(model.weights["wcls"]))


def test_a_shared_classifier_checkpoint(tmp_path):
    config = llama_weights.Config(**{**DEFAULT_SHAPE, "shared_classifier": True, "n_layers": 2})
    data = llama_weights.generate_checkpoint(config, 5)
    assert struct.unpack_from("<7i", data)[5] == 512
    assert llama_weights.validate_checkpoint(data) == config
    (tmp_path / "m.bin").write_bytes(data)
    model = ref.load_model(tmp_path / "m.bin")
    assert model.weights["wcls"] is model.weights["token_embedding"]


def test_validation_rejects_bad_checkpoints_and_tokenizers():
    config = llama_weights.Config(**DEFAULT_SHAPE)
    data = llama_weights.generate_checkpoint(config, 2)
    with pytest.raises(ValueError, match="file has"):
        llama_weights.validate_checkpoint(data[:-4])
    bad = struct.pack("<7i", 64, 172, 3, 5, 1, 512, 64)
    with pytest.raises(ValueError, match="multiple of n_heads"):
        llama_weights.validate_checkpoint(bad)
    tokenizer = llama_tokenizer.tokenizer_bytes(llama_tokenizer.generate_vocab(512))
    assert len(llama_tokenizer.parse_tokenizer(tokenizer, 512)[1]) == 512
    with pytest.raises(ValueError, match="ends at entry"):
        llama_tokenizer.parse_tokenizer(tokenizer, 513)


# -- the reference's own parts -----------------------------------------------------------------

def test_xorshift_matches_run_c():
    rng = ref.Rng(42)  # values printed by run.c's random_u32 / random_f32 compiled in C
    assert [rng.u32() for _ in range(4)] == [1456360119, 3359763283, 3393612768, 4054632243]
    rng = ref.Rng(42)
    assert float(rng.f32()) == float.fromhex("0x1.5b3928p-2")


def test_top_p_sampling_keeps_the_nucleus():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05], np.float32)).astype(np.float32)
    seen = {ref.sample(logits, np.float32(1.0), np.float32(0.7), ref.Rng(seed)).token
            for seed in range(1, 200)}
    assert seen == {0, 1}  # 0.5 + 0.3 > 0.7: the nucleus is the two likeliest
    greedy = ref.sample(logits, np.float32(0.0), np.float32(0.9), ref.Rng(1))
    assert greedy.token == 0 and greedy.margin > 0


def test_generated_model_runs_and_reports_margins(generated):
    result = ref.run_files(generated / "model.bin", generated / "tokenizer.bin",
                           prompt="Once upon a time", steps=24, temperature="0.0", topp="0.9",
                           seed=42)
    assert result.positions == 24
    assert len(result.tokens) == 24 - (len(result.prompt_tokens) - 1)
    assert result.text.startswith("Once upon a time")
    assert min(result.margins) > 1e-3  # no near-tie a last-bit difference could flip


def test_run_config_text_round_trips():
    params = {"prompt": "Hello there", "steps": 30, "temperature": "0.8", "topp": "0.95",
              "rng_seed": 7, "matmul": "avx2"}
    cfg = ref.parse_run_config(llama_model.config_text(params))
    assert cfg == {"prompt": "Hello there", "steps": 30, "temperature": "0.8", "topp": "0.95",
                   "seed": 7, "matmul": "avx2"}


def test_console_lines_parse_back():
    lines = ["LLAMA prompt: Hi", "LLAMA tokens: 5 6 7", "LLAMA text: a\\nb\\\\c\\xc3\\xa9\\t",
             "LLAMA stats: 9 positions (6 prompt, 3 generated), 1234 host-cycles/position, "
             "matmul=sse2",
             "LLAMA speed: 3 tokens in 0.001 s, 2900.1 tokens/s (host clock)"]
    found = ref.parse_console(lines)
    assert found["tokens"] == [5, 6, 7]
    assert found["text"] == b"a\nb\\c\xc3\xa9\t"
    assert (found["positions"], found["prompt_positions"], found["generated"]) == (9, 6, 3)
    assert (found["per_position"], found["unit"], found["matmul"]) == (1234, "host-cycles", "sse2")
    assert found["speed"] == "3 tokens in 0.001 s, 2900.1 tokens/s (host clock)"
    assert ref.parse_console(["LLAMA: no model on the data disk, skipped"]) is None


# -- the rule ----------------------------------------------------------------------------------

RULE_WORKSPACE = {
    "BUILD.yaml": "workspace: t\nplugins: [bfbuild_unikernel.rules.llama_model]\n"
                  "defaults: {toolchain: clang, cpu: a, pgo: \"off\"}\n",
    "toolchains/clang.yaml": "programs: {cc: [clang]}\n",
}


def test_the_rule_builds_three_files_the_same_way_twice(make_workspace, run_cli):
    root = make_workspace({**RULE_WORKSPACE, "m/BUILD.yaml": """\
        model:
          rule: llama-model
          n_layers: 2
          prompt: Hi there
          temperature: "0.5"
        """}, base=False)
    rc, out, err = run_cli(root, "build", "//m:model")
    assert rc == 0, out + err
    folder = next(root.glob("bfout/*/m/model"))
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == ["llama.cfg", "model.bin", "tokenizer.bin"]
    cfg = ref.parse_run_config((folder / "llama.cfg").read_text())
    assert (cfg["prompt"], cfg["temperature"], cfg["steps"]) == ("Hi there", "0.5", 24)
    assert struct.unpack_from("<7i", (folder / "model.bin").read_bytes())[2] == 2
    first = (folder / "model.bin").read_bytes()
    (folder / "model.bin").unlink()
    rc, out, err = run_cli(root, "build", "//m:model")
    assert rc == 0 and (folder / "model.bin").read_bytes() == first


@pytest.mark.parametrize("attrs,message", [
    ('temperature: "hot"', "'temperature' must be a decimal number"),
    ("topp: \"1.5\"", "'topp' must be between"),
    ("n_heads: 5", "not a multiple of n_heads"),
    ("vocab_size: 300", "vocab_size must be above"),
    ("rng_seed: 0", "'rng_seed' must be between"),
    ("checkpoint: m.bin", "'checkpoint' and 'tokenizer' go together"),
])
def test_the_rule_refuses_bad_attributes(make_workspace, run_cli, attrs, message):
    root = make_workspace({**RULE_WORKSPACE, "m/m.bin": "x",
                           "m/BUILD.yaml": f"model:\n  rule: llama-model\n  {attrs}\n"}, base=False)
    rc, out, err = run_cli(root, "build", "//m:model")
    assert rc == 2 and message in out + err, out + err
