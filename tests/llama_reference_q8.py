"""The host reference of the kernel's q8 inference (llama2.c's runq.c), in NumPy.

A q8 model (llama2.c's export version 2, bfbuild_unikernel/llama/quant.py) keeps int8 weights in
groups of `group_size` along each row, a float32 scale per group. As runq.c: the token's
embedding row is dequantised (q * scale); before each matmul the input vector is quantised per
group (scale = max|x| / 127, q = round(x / scale), halves away from zero); each output is
    val = 0; for each group g: val += (float)(sum of q_w * q_x over g) * w_scale[g] * x_scale[g]
in float32, group by group. The rest of the forward pass is llama_reference.py's.

    python tests/llama_reference.py MODEL.BIN TOKENIZER.BIN [LLAMA.CFG]   # a q8 MODEL.BIN too
"""
from __future__ import annotations

import struct
from typing import Optional

import numpy as np

from llama_reference import F32, Model, Transformer

HEADER_BYTES = 256
MATRICES = ("wq", "wk", "wv", "wo", "w1", "w2", "w3")


def load_q8_model(data: bytes) -> Model:
    magic, version, dim, hidden, layers, heads, kv_heads, vocab, seq_len, shared, group = \
        struct.unpack_from("<Ii7iBi", data)
    if version != 2:
        raise ValueError(f"q8 checkpoint version {version}, not 2")
    kv_dim = kv_heads * (dim // heads)
    weights, at = {}, HEADER_BYTES

    def floats(count):
        nonlocal at
        out = np.frombuffer(data, "<f4", count, at).astype(F32)
        at += 4 * count
        return out

    def tensor(rows, cols):
        """(int8 [rows][cols], float32 scales [rows][cols / group])"""
        nonlocal at
        q = np.frombuffer(data, np.int8, rows * cols, at).reshape(rows, cols)
        at += rows * cols
        return q, floats(rows * cols // group).reshape(rows, cols // group)

    weights["rms_att"] = floats(layers * dim).reshape(layers, dim)
    weights["rms_ffn"] = floats(layers * dim).reshape(layers, dim)
    weights["rms_final"] = floats(dim)
    weights["token_embedding"] = tensor(vocab, dim)
    shapes = {"wq": (dim, dim), "wk": (kv_dim, dim), "wv": (kv_dim, dim), "wo": (dim, dim),
              "w1": (hidden, dim), "w2": (dim, hidden), "w3": (hidden, dim)}
    for name in MATRICES:
        weights[name] = [tensor(*shapes[name]) for _ in range(layers)]
    weights["wcls"] = weights["token_embedding"] if shared else tensor(vocab, dim)
    if at != len(data):
        raise ValueError(f"the q8 header describes {at} bytes, the file has {len(data)}")
    return Model(dim, hidden, layers, heads, kv_heads, vocab, seq_len, bool(shared), weights,
                 group_size=group)


def quantize(x, group: int):
    """(int8 q, float32 scales) of a vector, as the kernel's llama_q8_quantize."""
    groups = x.astype(F32).reshape(-1, group)
    scale = (np.max(np.abs(groups), axis=1) / F32(127.0)).astype(F32)
    safe = np.where(scale == 0, F32(1.0), scale)
    v = (groups / safe[:, None]).astype(F32)
    # round(): halves away from zero; v - trunc(v) is exact, so the test is too.
    r = np.trunc(v)
    frac = v - r
    r = r + (frac >= 0.5) - (frac <= -0.5)
    q = np.where(scale[:, None] == 0, 0, r).astype(np.int32)
    return q.reshape(-1), scale


def matmul(w, x, group: int):
    """W x for a q8 W = (int8 [d][n], scales [d][n / group]) and a float32 x."""
    wq, ws = w
    xq, xs = quantize(x, group)
    d, n = wq.shape
    dots = (wq.astype(np.int32).reshape(d, n // group, group) *
            xq.reshape(1, n // group, group)).sum(axis=2)           # exact integers
    terms = (dots.astype(F32) * ws) * xs[None, :]                   # float32, as the kernel
    val = np.zeros(d, F32)
    for g in range(n // group):                                     # group order, float32 sums
        val = (val + terms[:, g]).astype(F32)
    return val


class Q8Transformer(Transformer):
    def embed(self, token: int) -> np.ndarray:
        q, s = self.m.weights["token_embedding"]
        return (q[token].astype(F32) * np.repeat(s[token], self.m.group_size)).astype(F32)

    def project(self, name: str, layer: Optional[int], x) -> np.ndarray:
        w = self.m.weights[name]
        return matmul(w if layer is None else w[layer], x, self.m.group_size)
