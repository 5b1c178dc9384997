"""A host reference for the kernel's Llama-2 inference, in NumPy float32.

It reads the same files (llama2.c checkpoint, tokenizer.bin, llama.cfg) and follows llama2.c's
run.c step by step: BPE encoding, the forward pass, the sampler and its xorshift generator,
decoding. Besides the tokens and the text it reports how close each choice was (the gap between
the two best logits, or how far the coin fell from a boundary), which says whether a difference
in the last float bits could have changed a token.

    python tests/llama_reference.py MODEL.BIN TOKENIZER.BIN [LLAMA.CFG] [--prompt P] [--steps N] ...
"""
from __future__ import annotations

import argparse
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

F32 = np.float32
BOS = 1


# -- files -------------------------------------------------------------------------------------

@dataclass
class Model:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool
    weights: Dict[str, np.ndarray]
    group_size: int = 0  # a q8 model (llama_reference_q8.py): int8 groups of this size

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size


def load_model(path) -> Model:
    data = Path(path).read_bytes()
    if data[:4] == b"24ka":  # the q8 format's magic, 0x616b3432 little-endian
        from llama_reference_q8 import load_q8_model
        return load_q8_model(data)
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack_from("<7i", data)
    shared = vocab > 0
    vocab = abs(vocab)
    head_size = dim // heads
    kv_dim = kv_heads * head_size
    floats = np.frombuffer(data, dtype="<f4", offset=28)
    shapes = [("token_embedding", (vocab, dim)), ("rms_att", (layers, dim)),
              ("wq", (layers, dim, dim)), ("wk", (layers, kv_dim, dim)),
              ("wv", (layers, kv_dim, dim)), ("wo", (layers, dim, dim)),
              ("rms_ffn", (layers, dim)), ("w1", (layers, hidden, dim)),
              ("w2", (layers, dim, hidden)), ("w3", (layers, hidden, dim)),
              ("rms_final", (dim,)), ("freq_cis_real", (seq_len, head_size // 2)),
              ("freq_cis_imag", (seq_len, head_size // 2))]
    if not shared:
        shapes.append(("wcls", (vocab, dim)))
    weights, at = {}, 0
    for name, shape in shapes:
        count = int(np.prod(shape))
        weights[name] = floats[at:at + count].reshape(shape).astype(F32)
        at += count
    if at != floats.size:
        raise ValueError(f"{path}: the header describes {at} floats, the file has {floats.size}")
    if shared:
        weights["wcls"] = weights["token_embedding"]
    return Model(dim, hidden, layers, heads, kv_heads, vocab, seq_len, shared, weights)


def parameter_count(model: Model) -> int:
    """The weights the kernel counts (`llama: running ...`): all but the unused RoPE tables, a
    shared classifier once."""
    count = sum(w.size for name, w in model.weights.items() if not name.startswith("freq_cis"))
    return count - (model.weights["wcls"].size if model.shared_classifier else 0)


class Tokenizer:
    def __init__(self, path, vocab_size: int):
        data = Path(path).read_bytes()
        (self.max_token_length,) = struct.unpack_from("<i", data)
        self.pieces: List[bytes] = []
        self.scores: List[float] = []
        at = 4
        for _ in range(vocab_size):
            score, length = struct.unpack_from("<fi", data, at)
            self.pieces.append(data[at + 8:at + 8 + length])
            self.scores.append(float(F32(score)))
            at += 8 + length
        # Duplicated pieces resolve to the lowest id, as the kernel's lookup does.
        self.ids: Dict[bytes, int] = {}
        for index, piece in enumerate(self.pieces):
            self.ids.setdefault(piece, index)

    def encode(self, text: str) -> List[int]:
        """run.c's encode with BOS and no EOS."""
        raw = text.encode("utf-8")
        tokens = [BOS]
        if raw and b" " in self.ids:
            tokens.append(self.ids[b" "])
        # One piece per UTF-8 character (a lead byte and up to 3 continuation bytes).
        at = 0
        while at < len(raw):
            end = at + 1
            while end < len(raw) and raw[end] & 0xC0 == 0x80 and end - at < 4:
                end += 1
            char = raw[at:end]
            if char in self.ids:
                tokens.append(self.ids[char])
            else:
                tokens.extend(b + 3 for b in char)
            at = end
        while True:
            best = (-1e10, -1, -1)  # score, id, position
            for i in range(len(tokens) - 1):
                merged = self.pieces[tokens[i]] + self.pieces[tokens[i + 1]]
                piece_id = self.ids.get(merged, -1)
                if piece_id != -1 and self.scores[piece_id] > best[0]:
                    best = (self.scores[piece_id], piece_id, i)
            if best[2] == -1:
                return tokens
            tokens[best[2]:best[2] + 2] = [best[1]]

    def decode(self, prev: int, token: int) -> bytes:
        piece = self.pieces[token]
        if prev == BOS and piece.startswith(b" "):
            piece = piece[1:]
        match = re.match(rb"<0x([0-9A-Fa-f]{2})>", piece)
        if match:
            return bytes([int(match.group(1), 16)])
        return piece


def printable(piece: bytes) -> bool:
    """run.c's safe_printf: a lone byte that is neither printable nor white space is dropped."""
    if not piece:
        return False
    if len(piece) == 1:
        return 0x20 <= piece[0] < 0x7F or piece[0] in b" \t\n\v\f\r"
    return True


DEFAULTS = {"prompt": "", "steps": 256, "temperature": "1.0", "topp": "0.9", "seed": 42,
            "matmul": "auto"}


def parse_run_config(text: str) -> dict:
    """LLAMA.CFG (docs/llama.md): key=value lines, '#' comments."""
    cfg = dict(DEFAULTS)
    for line in text.splitlines():
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key in ("steps", "seed"):
            cfg[key] = int(value)
        elif key in cfg:
            cfg[key] = value
    if cfg["seed"] == 0:
        cfg["seed"] = 42
    return cfg


# -- the forward pass --------------------------------------------------------------------------

def rmsnorm(x, weight):
    ss = np.sum(x * x, dtype=F32) / F32(x.size) + F32(1e-5)
    return weight * (F32(1.0) / np.sqrt(ss) * x)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, dtype=F32)


class Transformer:
    def __init__(self, model: Model):
        self.m = model
        shape = (model.n_layers, model.seq_len, model.kv_dim)
        self.key_cache = np.zeros(shape, F32)
        self.value_cache = np.zeros(shape, F32)
        pairs = np.arange(0, model.dim, 2)
        exponent = (pairs % model.head_size).astype(F32) / F32(model.head_size)
        self.freq = F32(1.0) / np.power(F32(10000.0), exponent)

    def rope(self, vec, pos, count):
        angle = F32(pos) * self.freq[:count // 2]
        fcr, fci = np.cos(angle), np.sin(angle)
        v0, v1 = vec[0:count:2].copy(), vec[1:count:2].copy()
        vec[0:count:2] = v0 * fcr - v1 * fci
        vec[1:count:2] = v0 * fci + v1 * fcr

    def forward(self, token: int, pos: int) -> np.ndarray:
        m, w = self.m, self.m.weights
        hs, kv_mul = m.head_size, m.n_heads // m.n_kv_heads
        x = self.embed(token)
        for l in range(m.n_layers):
            xb = rmsnorm(x, w["rms_att"][l])
            q = self.project("wq", l, xb)
            k = self.project("wk", l, xb)
            v = self.project("wv", l, xb)
            self.rope(q, pos, m.dim)
            self.rope(k, pos, m.kv_dim)
            self.key_cache[l, pos] = k
            self.value_cache[l, pos] = v
            out = np.empty(m.dim, F32)
            for h in range(m.n_heads):
                kv = (h // kv_mul) * hs
                keys = self.key_cache[l, :pos + 1, kv:kv + hs]
                values = self.value_cache[l, :pos + 1, kv:kv + hs]
                scores = (keys @ q[h * hs:(h + 1) * hs]) / np.sqrt(F32(hs))
                out[h * hs:(h + 1) * hs] = softmax(scores) @ values
            x = x + self.project("wo", l, out)
            xb = rmsnorm(x, w["rms_ffn"][l])
            h1 = self.project("w1", l, xb)
            h3 = self.project("w3", l, xb)
            gate = h1 * (F32(1.0) / (F32(1.0) + np.exp(-h1)))
            x = x + self.project("w2", l, gate * h3)
        x = rmsnorm(x, w["rms_final"])
        return self.project("wcls", None, x).astype(F32)

    def embed(self, token: int) -> np.ndarray:
        return self.m.weights["token_embedding"][token].copy()

    def project(self, name: str, layer: Optional[int], x) -> np.ndarray:
        """W x for the weights `name` (of `layer`, or the classifier's)."""
        w = self.m.weights[name]
        return (w if layer is None else w[layer]) @ x


# -- sampling ----------------------------------------------------------------------------------

class Rng:
    """run.c's xorshift64* generator."""
    MASK = (1 << 64) - 1

    def __init__(self, seed: int):
        self.state = seed & self.MASK

    def u32(self) -> int:
        s = self.state
        s ^= s >> 12
        s ^= (s << 25) & self.MASK
        s ^= s >> 27
        self.state = s
        return ((s * 0x2545F4914F6CDD1D) & self.MASK) >> 32

    def f32(self) -> np.float32:
        return F32((self.u32() >> 8) / 16777216.0)


@dataclass
class Choice:
    token: int
    margin: float  # greedy: best minus second logit; sampled: distance of r to the nearest cdf edge


def cumulative(probs) -> np.ndarray:
    """Running float32 sums, one addition at a time as run.c's loops do."""
    out = np.empty(len(probs), F32)
    total = F32(0.0)
    for i, p in enumerate(probs):
        total = F32(total + p)
        out[i] = total
    return out


def sample(logits, temperature: np.float32, topp: np.float32, rng: Rng) -> Choice:
    n = logits.size
    if temperature == F32(0.0):
        best = int(np.argmax(logits))  # the first of equal maxima, like run.c
        second = np.partition(logits, -2)[-2] if n > 1 else logits[best]
        return Choice(best, float(logits[best] - second))
    probs = softmax((logits / temperature).astype(F32))
    coin = rng.f32()
    if topp <= 0 or topp >= 1:
        cdf = cumulative(probs)
        hits = np.nonzero(coin < cdf)[0]
        token = int(hits[0]) if hits.size else n - 1
        return Choice(token, float(np.min(np.abs(cdf - coin))))
    cutoff = (F32(1.0) - topp) / F32(n - 1)
    candidates = [i for i in range(n) if probs[i] >= cutoff]
    candidates.sort(key=lambda i: (-probs[i], i))
    cdf = cumulative(probs[candidates])
    over = np.nonzero(cdf > topp)[0]
    last = int(over[0]) if over.size else len(candidates) - 1
    r = F32(coin * cdf[last])
    hits = np.nonzero(r < cdf[:last + 1])[0]
    token = candidates[int(hits[0])] if hits.size else candidates[last]
    edges = np.concatenate([cdf[:last + 1], [topp]])
    return Choice(token, float(np.min(np.abs(edges - r))))


# -- generation --------------------------------------------------------------------------------

@dataclass
class Result:
    prompt_tokens: List[int]
    tokens: List[int]            # the sampled tokens, as the kernel's "LLAMA tokens:" line
    text_bytes: bytes            # what run.c prints
    positions: int
    margins: List[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.text_bytes.decode("utf-8", errors="replace")


def transformer_for(model: Model) -> Transformer:
    if model.group_size:
        from llama_reference_q8 import Q8Transformer
        return Q8Transformer(model)
    return Transformer(model)


def generate(model: Model, tokenizer: Tokenizer, prompt: str, steps: int, temperature: str,
             topp: str, seed: int) -> Result:
    if steps <= 0 or steps > model.seq_len:
        steps = model.seq_len
    temperature_f, topp_f = F32(float(temperature)), F32(float(topp))
    prompt_tokens = tokenizer.encode(prompt)
    transformer, rng = transformer_for(model), Rng(seed)
    result = Result(prompt_tokens, [], b"", 0)
    token, pos = prompt_tokens[0], 0
    while pos < steps:
        logits = transformer.forward(token, pos)
        if pos < len(prompt_tokens) - 1:
            next_token = prompt_tokens[pos + 1]
        else:
            choice = sample(logits, temperature_f, topp_f, rng)
            next_token = choice.token
            result.tokens.append(next_token)
            result.margins.append(choice.margin)
        pos += 1
        if next_token == BOS:
            break
        piece = tokenizer.decode(token, next_token)
        if printable(piece):
            result.text_bytes += piece
        token = next_token
    result.positions = pos
    return result


def run_files(model_path, tokenizer_path, cfg_path=None, **overrides) -> Result:
    """Generate as the kernel does from its three data-disk files; overrides replace cfg keys."""
    cfg = parse_run_config(Path(cfg_path).read_text()) if cfg_path else dict(DEFAULTS)
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    model = load_model(model_path)
    tokenizer = Tokenizer(tokenizer_path, model.vocab_size)
    return generate(model, tokenizer, cfg["prompt"], int(cfg["steps"]), str(cfg["temperature"]),
                    str(cfg["topp"]), int(cfg["seed"]))


# -- the kernel's console lines ----------------------------------------------------------------

def unescape(text: str) -> bytes:
    """The bytes behind a "LLAMA text:" line (\\\\, \\n, \\r, \\t and \\xNN escapes)."""
    out, i = bytearray(), 0
    simple = {"\\": b"\\", "n": b"\n", "r": b"\r", "t": b"\t"}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
            if nxt == "x" and i + 3 < len(text) + 0:
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
        out += c.encode("ascii")
        i += 1
    return bytes(out)


def parse_console(lines) -> Optional[dict]:
    """The LLAMA lines of a boot log: prompt, tokens (ints), text (bytes), stats, speed; None if
    absent. From the stats line: positions, prompt_positions, generated, per_position and unit
    (instructions, virtual-ns, host-cycles or ticks: docs/llama.md), matmul."""
    found = {}
    for line in lines:
        line = line.rstrip("\r\n")
        for key in ("prompt", "tokens", "text", "stats", "speed"):
            prefix = f"LLAMA {key}:"
            if line.startswith(prefix):
                found[key] = line[len(prefix):].lstrip(" ") if key != "tokens" else line[len(prefix):]
    if "tokens" not in found:
        return None
    found["tokens"] = [int(t) for t in found["tokens"].split()]
    found["text"] = unescape(found.get("text", ""))
    stats = re.match(r"(\d+) positions \((\d+) prompt, (\d+) generated\), (\d+) (\S+)/position, "
                     r"matmul=(\S+)", found.get("stats", ""))
    if stats:
        for index, key in enumerate(("positions", "prompt_positions", "generated", "per_position")):
            found[key] = int(stats[index + 1])
        found["unit"], found["matmul"] = stats[5], stats[6]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("tokenizer")
    parser.add_argument("config", nargs="?")
    parser.add_argument("--prompt")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--temperature")
    parser.add_argument("--topp")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    result = run_files(args.model, args.tokenizer, args.config, prompt=args.prompt,
                       steps=args.steps, temperature=args.temperature, topp=args.topp,
                       seed=args.seed)
    print("prompt tokens:", " ".join(map(str, result.prompt_tokens)))
    print("tokens:", " ".join(map(str, result.tokens)))
    print("text:", result.text)
    print("smallest margin: %.3g" % min(result.margins, default=float("inf")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
