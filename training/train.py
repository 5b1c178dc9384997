"""Train the default model of //apps/tinyllama:model from scratch, on CPU, from a seed.

    pip install -e '.[train]'            # torch (CPU), numpy, matplotlib
    python training/train.py     # writes apps/tinyllama/models/tinystories-grammar/

Steps, all deterministic for a given --seed on a given torch build and thread count:
  1. stories from training/stories.py (random.Random(seed)), one per line;
  2. a BPE vocabulary of --vocab-size pieces trained on the first --tokenizer-stories of them,
     written as llama2.c's tokenizer.bin (training/bpe.py);
  3. the stories encoded as the kernel encodes a prompt (BOS, dummy-prefix " ", run.c's merges),
     concatenated; training windows of seq_len + 1 tokens drawn at random offsets;
  4. a Llama-2 model (llama2.c's model.py architecture: RMSNorm, RoPE on interleaved pairs,
     grouped-query attention, SwiGLU, classifier tied to the token embedding) trained with AdamW
     and a cosine learning rate;
  5. model.bin in llama2.c's legacy checkpoint format (docs/llama.md), tokenizer.bin,
     loss.png (the loss curve), train.json (settings, losses, timings, sha256 of the outputs)
     and samples.txt (greedy continuations computed by the trainer).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import struct
import sys
import time
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bpe  # noqa: E402
import stories  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


# -- the model (llama2.c's model.py, reduced to what training needs) ---------------------------

class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_size: int, seq_len: int, theta: float = 10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, head_size, 2)[: head_size // 2].float() / head_size))
    angles = torch.outer(torch.arange(seq_len).float(), freqs)
    return torch.cos(angles), torch.sin(angles)


def apply_rope(x, cos, sin):
    """x [batch, seq, heads, head_size]: pairs (2i, 2i+1) rotated by position * freq_i, as run.c."""
    xr, xi = x.float().reshape(*x.shape[:-1], -1, 2).unbind(-1)
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    out = torch.stack([xr * cos - xi * sin, xr * sin + xi * cos], dim=-1)
    return out.flatten(3).type_as(x)


class Attention(nn.Module):
    def __init__(self, dim, n_heads, n_kv_heads):
        super().__init__()
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.head_size = dim // n_heads
        self.wq = nn.Linear(dim, n_heads * self.head_size, bias=False)
        self.wk = nn.Linear(dim, n_kv_heads * self.head_size, bias=False)
        self.wv = nn.Linear(dim, n_kv_heads * self.head_size, bias=False)
        self.wo = nn.Linear(n_heads * self.head_size, dim, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.wq(x).view(b, t, self.n_heads, self.head_size)
        k = self.wk(x).view(b, t, self.n_kv_heads, self.head_size)
        v = self.wv(x).view(b, t, self.n_kv_heads, self.head_size)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = self.n_heads // self.n_kv_heads  # query head h reads key/value head h // rep
        k = k.repeat_interleave(rep, dim=2)
        v = v.repeat_interleave(rep, dim=2)
        out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                             is_causal=True)
        return self.wo(out.transpose(1, 2).reshape(b, t, -1))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden_dim):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden_dim, bias=False)
        self.w2 = nn.Linear(hidden_dim, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden_dim, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = Attention(cfg["dim"], cfg["n_heads"], cfg["n_kv_heads"])
        self.feed_forward = FeedForward(cfg["dim"], cfg["hidden_dim"])
        self.attention_norm = RMSNorm(cfg["dim"])
        self.ffn_norm = RMSNorm(cfg["dim"])

    def forward(self, x, cos, sin):
        x = x + self.attention(self.attention_norm(x), cos, sin)
        return x + self.feed_forward(self.ffn_norm(x))


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_embeddings = nn.Embedding(cfg["vocab_size"], cfg["dim"])
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["n_layers"]))
        self.norm = RMSNorm(cfg["dim"])
        self.output = nn.Linear(cfg["dim"], cfg["vocab_size"], bias=False)
        self.output.weight = self.tok_embeddings.weight  # tied: the checkpoint's positive vocab_size
        cos, sin = rope_tables(cfg["dim"] // cfg["n_heads"], cfg["seq_len"])
        self.register_buffer("freqs_cos", cos, persistent=False)
        self.register_buffer("freqs_sin", sin, persistent=False)
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2's scaled init of the residual projections
            if name.endswith("wo.weight") or name.endswith("w2.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg["n_layers"]))

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tok_embeddings(tokens)
        cos, sin = self.freqs_cos[:t], self.freqs_sin[:t]
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.output(self.norm(x))


def export_checkpoint(model: Transformer) -> bytes:
    """llama2.c's legacy format (export.py legacy_export), classifier shared."""
    cfg = model.cfg
    header = struct.pack("<7i", cfg["dim"], cfg["hidden_dim"], cfg["n_layers"], cfg["n_heads"],
                         cfg["n_kv_heads"], cfg["vocab_size"], cfg["seq_len"])
    layers = model.layers
    tensors = [model.tok_embeddings.weight]
    tensors += [l.attention_norm.weight for l in layers]
    for name in ("wq", "wk", "wv", "wo"):
        tensors += [getattr(l.attention, name).weight for l in layers]
    tensors += [l.ffn_norm.weight for l in layers]
    for name in ("w1", "w2", "w3"):
        tensors += [getattr(l.feed_forward, name).weight for l in layers]
    tensors += [model.norm.weight, model.freqs_cos, model.freqs_sin]
    body = b"".join(t.detach().cpu().contiguous().numpy().astype("<f4").tobytes() for t in tensors)
    return header + body


# -- data ----------------------------------------------------------------------------------------

def make_data(seed: int, count: int, tokenizer_stories: int, vocab_size: int):
    texts = list(islice(stories.stories(seed), count))
    vocab = bpe.build_vocab(texts[:tokenizer_stories], vocab_size)
    encoder = bpe.Encoder(vocab)
    tokens = []
    for text in texts:
        tokens.extend(encoder.encode(text))
    return vocab, encoder, np.array(tokens, dtype=np.int64)


@torch.no_grad()
def greedy(model, encoder, prompt: str, steps: int) -> str:
    """The kernel's greedy run: `steps` positions, prompt included; stops at BOS."""
    tokens = encoder.encode(prompt)
    while len(tokens) < steps:
        logits = model(torch.tensor([tokens]))[0, -1]
        nxt = int(torch.argmax(logits))
        if nxt == bpe.BOS:
            break
        tokens.append(nxt)
    return encoder.decode(tokens[1:]).lstrip(" ")


def plot(history, path: Path, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["train_loss"] for h in history], label="training (mean over the interval)")
    val = [(h["step"], h["val_loss"]) for h in history if h.get("val_loss") is not None]
    ax.plot([s for s, _ in val], [v for _, v in val], "o-", label="held-out stories")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per token)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})  # no timestamp or version: the same bytes
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Train the default tinyllama model.")
    parser.add_argument("--out", type=Path,
                        default=HERE.parent / "apps" / "tinyllama" / "models" / "tinystories-grammar")
    parser.add_argument("--seed", type=int, default=1, help="stories, initial weights, batches")
    parser.add_argument("--stories", type=int, default=20000)
    parser.add_argument("--tokenizer-stories", type=int, default=2000)
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--dim", type=int, default=96)
    parser.add_argument("--hidden-dim", type=int, default=256)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--kv-heads", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--prompt", default="Once upon a time")
    args = parser.parse_args(argv)

    started = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)

    vocab, encoder, tokens = make_data(args.seed, args.stories, args.tokenizer_stories, args.vocab_size)
    split = int(len(tokens) * 0.95)
    train_tokens, val_tokens = torch.from_numpy(tokens[:split]), torch.from_numpy(tokens[split:])
    data_seconds = time.time() - started
    print(f"data: {args.stories} stories, {len(tokens)} tokens ({len(tokens) / args.stories:.1f} a story), "
          f"vocab {args.vocab_size}, {data_seconds:.1f} s", flush=True)

    cfg = {"dim": args.dim, "hidden_dim": args.hidden_dim, "n_layers": args.layers,
           "n_heads": args.heads, "n_kv_heads": args.kv_heads, "vocab_size": args.vocab_size,
           "seq_len": args.seq_len}
    model = Transformer(cfg)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {cfg}, {params} parameters", flush=True)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(args.seed)

    def batch(source):
        starts = torch.randint(0, len(source) - args.seq_len - 1, (args.batch,), generator=generator)
        windows = torch.stack([source[s:s + args.seq_len + 1] for s in starts.tolist()])
        return windows[:, :-1], windows[:, 1:]

    @torch.no_grad()
    def evaluate():
        model.eval()
        losses = []
        for at in range(0, min(len(val_tokens) - args.seq_len - 1, 8 * args.seq_len), args.seq_len):
            window = val_tokens[at:at + args.seq_len + 1]
            logits = model(window[None, :-1])
            losses.append(F.cross_entropy(logits[0], window[1:]).item())
        model.train()
        return sum(losses) / len(losses)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    history, interval = [], []
    train_started = time.time()
    for step in range(args.steps):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        x, y = batch(train_tokens)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        interval.append(loss.item())
        last = step == args.steps - 1
        if (step + 1) % args.eval_every == 0 or last:
            entry = {"step": step + 1, "train_loss": sum(interval) / len(interval),
                     "val_loss": evaluate(), "lr": lr_at(step),
                     "seconds": round(time.time() - train_started, 1)}
            history.append(entry)
            interval = []
            print(f"step {entry['step']:5d}  train {entry['train_loss']:.4f}  val {entry['val_loss']:.4f}  "
                  f"lr {entry['lr']:.2e}  {entry['seconds']:.0f} s", flush=True)
    train_seconds = time.time() - train_started

    model.eval()
    checkpoint = export_checkpoint(model)
    tokenizer = bpe.tokenizer_bytes(vocab)
    (args.out / "model.bin").write_bytes(checkpoint)
    (args.out / "tokenizer.bin").write_bytes(tokenizer)
    samples = [greedy(model, encoder, prompt, 128) for prompt in
               (args.prompt, "Once there was a little boy", "One day, Lily")]
    (args.out / "samples.txt").write_text("\n\n".join(samples) + "\n")
    plot(history, args.out / "loss.png",
         f"{params} parameters, {args.steps} steps of {args.batch}x{args.seq_len} tokens")
    record = {
        "command": "python training/train.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
        "config": cfg, "parameters": params, "tokens": int(len(tokens)),
        "final_train_loss": history[-1]["train_loss"], "final_val_loss": history[-1]["val_loss"],
        "history": history,
        "seconds": {"data": round(data_seconds, 1), "training": round(train_seconds, 1),
                    "total": round(time.time() - started, 1)},
        "machine": {"torch": torch.__version__, "python": platform.python_version(),
                    "cpu_count": os.cpu_count(), "threads": args.threads},
        "sha256": {name: hashlib.sha256(blob).hexdigest()
                   for name, blob in (("model.bin", checkpoint), ("tokenizer.bin", tokenizer))},
    }
    (args.out / "train.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.out}: model.bin {len(checkpoint)} bytes, {train_seconds:.0f} s training")
    print(samples[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
