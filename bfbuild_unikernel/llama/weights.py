"""llama2.c checkpoints: the header, the weight layout, a deterministic random generator and a
validator. The layout is the one llama2.c's run.c maps:

    int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
    (vocab_size < 0: the classifier is stored separately, at the end)
    float32 token_embedding[vocab][dim], rms_att[layers][dim], wq[layers][dim][dim],
            wk[layers][kv_dim][dim], wv[layers][kv_dim][dim], wo[layers][dim][dim],
            rms_ffn[layers][dim], w1[layers][hidden][dim], w2[layers][dim][hidden],
            w3[layers][hidden][dim], rms_final[dim],
            freq_cis_real[seq_len][head_size/2], freq_cis_imag[seq_len][head_size/2] (unused),
            [wcls[vocab][dim] when vocab_size < 0]
"""
from __future__ import annotations

import struct
from dataclasses import dataclass


HEADER = struct.Struct("<7i")


@dataclass(frozen=True)
class Config:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int  # always positive here
    seq_len: int
    shared_classifier: bool = True

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size

    def problems(self) -> list:
        """What makes this shape unusable (empty when it is fine)."""
        found = []
        for name in ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"):
            if getattr(self, name) < 1:
                found.append(f"{name} must be positive")
        if found:
            return found
        if self.dim % self.n_heads:
            found.append(f"dim {self.dim} is not a multiple of n_heads {self.n_heads}")
        elif self.head_size % 2:
            found.append(f"the head size {self.head_size} must be even (RoPE rotates pairs)")
        if self.n_heads % self.n_kv_heads:
            found.append(f"n_heads {self.n_heads} is not a multiple of n_kv_heads {self.n_kv_heads}")
        return found

    def header(self) -> bytes:
        vocab = self.vocab_size if self.shared_classifier else -self.vocab_size
        return HEADER.pack(self.dim, self.hidden_dim, self.n_layers, self.n_heads,
                           self.n_kv_heads, vocab, self.seq_len)

    def weight_count(self) -> int:
        """Floats after the header."""
        d, h, n, v, kv = self.dim, self.hidden_dim, self.n_layers, self.vocab_size, self.kv_dim
        per_layer = 2 * d + 2 * d * d + 2 * d * kv + 3 * d * h
        count = v * d + n * per_layer + d + self.seq_len * self.head_size
        return count + (0 if self.shared_classifier else v * d)


def parse_header(data: bytes) -> Config:
    if len(data) < HEADER.size:
        raise ValueError(f"a checkpoint has a {HEADER.size}-byte header; this file has {len(data)} bytes")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = HEADER.unpack_from(data)
    return Config(dim, hidden, layers, heads, kv_heads, abs(vocab), seq_len, vocab > 0)


def validate_checkpoint(data: bytes) -> Config:
    """The checkpoint's shape; ValueError when the header is unusable or the size is wrong."""
    config = parse_header(data)
    problems = config.problems()
    if problems:
        raise ValueError("bad checkpoint header: " + "; ".join(problems))
    expected = HEADER.size + 4 * config.weight_count()
    if len(data) != expected:
        raise ValueError(f"the header describes {expected} bytes of checkpoint, the file has {len(data)}")
    return config


def rope_tables(config: Config):
    """The legacy freq_cis tables (cos, sin) llama2.c's export still writes; run.c skips them."""
    import numpy as np  # imported only by the steps that generate weights, not at analysis
    half = config.head_size // 2
    freqs = 1.0 / (10000.0 ** (np.arange(0, config.head_size, 2)[:half] / config.head_size))
    angles = np.outer(np.arange(config.seq_len), freqs)
    return np.cos(angles), np.sin(angles)


def generate_checkpoint(config: Config, seed: int) -> bytes:
    """Random weights, the same bytes for the same (config, seed).

    RandomState is NumPy's frozen legacy generator: its streams never change between releases.
    Projections are scaled by 1/sqrt(fan-in) so activations keep a unit scale through the layers,
    and the embedding so that logits spread over a few units (softmax neither flat nor one-hot).
    """
    import numpy as np  # imported only by the steps that generate weights, not at analysis

    problems = config.problems()
    if problems:
        raise ValueError("; ".join(problems))
    rng = np.random.RandomState(seed)
    d, h, n, v, kv = config.dim, config.hidden_dim, config.n_layers, config.vocab_size, config.kv_dim

    def normal(shape, scale):
        return (rng.standard_normal(shape) * scale).astype("<f4")

    def norms(shape):
        return (1.0 + 0.1 * rng.standard_normal(shape)).astype("<f4")

    embedding_scale = 2.5 / np.sqrt(d)
    parts = [
        normal((v, d), embedding_scale),
        norms((n, d)),
        normal((n, d, d), 1 / np.sqrt(d)),
        normal((n, kv, d), 1 / np.sqrt(d)),
        normal((n, kv, d), 1 / np.sqrt(d)),
        normal((n, d, d), 1 / np.sqrt(d)),
        norms((n, d)),
        normal((n, h, d), 1 / np.sqrt(d)),
        normal((n, d, h), 1 / np.sqrt(h)),
        normal((n, h, d), 1 / np.sqrt(d)),
        norms((d,)),
    ]
    cos, sin = rope_tables(config)
    parts += [cos.astype("<f4"), sin.astype("<f4")]
    if not config.shared_classifier:
        classifier = normal((v, d), embedding_scale)
        # Byte-fallback pieces (ids 3..258) get smaller logits, so that the text of a greedy run
        # is mostly words and letters rather than stray bytes.
        classifier[3:259] *= np.float32(0.5)
        parts.append(classifier)
    data = config.header() + b"".join(p.tobytes() for p in parts)
    assert len(data) == HEADER.size + 4 * config.weight_count()
    return data
