"""Q8 checkpoints: llama2.c's export format version 2 (the file its runq.c reads), made on the
host from a float32 checkpoint (weights.py). Weights are int8 in groups of `group_size` along
each row, one float32 scale per group (weight = q * scale); the RMSNorm weights stay float32.

    uint32 magic 0x616b3432 ("ak42"), int32 version 2,
    int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (> 0), seq_len,
    uint8 shared_classifier, int32 group_size (at byte 37), zeros up to byte 256,
    float32 rms_att[layers][dim], rms_ffn[layers][dim], rms_final[dim],
    then for each quantised tensor int8 q[numel] and float32 scale[numel / group_size]:
    token_embedding, wq[0..layers-1], wk[...], wv[...], wo[...], w1[...], w2[...], w3[...],
    and wcls when not shared_classifier.

The group size is the largest of 64, 32, ..., 1 that divides dim and hidden_dim, so that a
group never straddles two rows of any matrix. No RoPE tables (run.c skips them anyway).
"""
from __future__ import annotations

import struct
from typing import List, Tuple

from bfbuild_unikernel.llama.weights import HEADER, Config, validate_checkpoint

MAGIC = 0x616B3432
VERSION = 2
HEADER_BYTES = 256
PREFIX = struct.Struct("<Ii7iBi")
MAX_GROUP = 64


def group_size_for(config: Config) -> int:
    group = MAX_GROUP
    while config.dim % group or config.hidden_dim % group:
        group //= 2
    return group


def _tensors(config: Config) -> List[Tuple[str, tuple]]:
    """(name, shape) of the float32 checkpoint's arrays, in its order."""
    d, h, n, v, kv = config.dim, config.hidden_dim, config.n_layers, config.vocab_size, config.kv_dim
    half = config.head_size // 2
    shapes = [("token_embedding", (v, d)), ("rms_att", (n, d)), ("wq", (n, d, d)),
              ("wk", (n, kv, d)), ("wv", (n, kv, d)), ("wo", (n, d, d)), ("rms_ffn", (n, d)),
              ("w1", (n, h, d)), ("w2", (n, d, h)), ("w3", (n, h, d)), ("rms_final", (d,)),
              ("freq_cis_real", (config.seq_len, half)), ("freq_cis_imag", (config.seq_len, half))]
    return shapes + ([] if config.shared_classifier else [("wcls", (v, d))])


def quantize_q80(w, group_size: int):
    """(int8 q, float32 scales) of an array, groups of group_size in its flat order, as
    llama2.c's export.py quantize_q80 (round half to even); an all-zero group gets scale 0."""
    import numpy as np  # only the quantising step needs NumPy
    groups = w.astype("<f4").reshape(-1, group_size)
    scale = (np.abs(groups).max(axis=1) / np.float32(127.0)).astype("<f4")
    safe = np.where(scale == 0, np.float32(1.0), scale)
    q = np.round(groups / safe[:, None]).astype(np.int8)
    return q.reshape(-1), scale


def quantize_checkpoint(data: bytes) -> bytes:
    """The q8 file of a float32 llama2.c checkpoint (ValueError when it is not one)."""
    import numpy as np
    config = validate_checkpoint(data)
    group = group_size_for(config)
    floats = np.frombuffer(data, dtype="<f4", offset=HEADER.size)
    arrays, at = {}, 0
    for name, shape in _tensors(config):
        count = int(np.prod(shape))
        arrays[name] = floats[at:at + count].reshape(shape)
        at += count
    prefix = PREFIX.pack(MAGIC, VERSION, config.dim, config.hidden_dim, config.n_layers,
                         config.n_heads, config.n_kv_heads, config.vocab_size, config.seq_len,
                         int(config.shared_classifier), group)
    out = [prefix + bytes(HEADER_BYTES - len(prefix))]
    out += [arrays[name].astype("<f4").tobytes() for name in ("rms_att", "rms_ffn", "rms_final")]
    quantised = [arrays["token_embedding"]]
    for name in ("wq", "wk", "wv", "wo", "w1", "w2", "w3"):
        quantised += list(arrays[name])
    if not config.shared_classifier:
        quantised.append(arrays["wcls"])
    for tensor in quantised:
        q, scale = quantize_q80(tensor, group)
        out += [q.tobytes(), scale.tobytes()]
    return b"".join(out)


def q8_size(config: Config, group: int) -> int:
    """Bytes of the q8 file of this shape."""
    d, h, n, v, kv = config.dim, config.hidden_dim, config.n_layers, config.vocab_size, config.kv_dim
    quantised = v * d + n * (2 * d * d + 2 * kv * d + 3 * h * d)
    if not config.shared_classifier:
        quantised += v * d
    return HEADER_BYTES + 4 * (2 * n * d + d) + quantised + 4 * (quantised // group)


def parse_q8_header(data: bytes) -> Tuple[Config, int]:
    """(shape, group size) of a q8 file; ValueError when it is not a well-formed one."""
    if len(data) < HEADER_BYTES or struct.unpack_from("<I", data)[0] != MAGIC:
        raise ValueError("not a q8 checkpoint (no 'ak42' magic)")
    fields = PREFIX.unpack_from(data)
    if fields[1] != VERSION:
        raise ValueError(f"q8 checkpoint version {fields[1]}; only version {VERSION} is read")
    config = Config(*fields[2:9], shared_classifier=bool(fields[9]))
    group = fields[10]
    problems = config.problems()
    if group < 1 or config.dim % group or config.hidden_dim % group:
        problems.append(f"group size {group} must divide dim and hidden_dim")
    if problems:
        raise ValueError("bad q8 checkpoint header: " + "; ".join(problems))
    if len(data) != q8_size(config, group):
        raise ValueError(f"the q8 header describes {q8_size(config, group)} bytes, the file has "
                         f"{len(data)}")
    return config, group
