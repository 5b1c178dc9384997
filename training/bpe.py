"""A small BPE vocabulary in llama2.c's tokenizer.bin format, trained on the stories, and the
encoder the kernel runs (llama2.c's run.c), so that the model is trained on the very token ids
the kernel feeds it.

Layout (what apps/tinyllama/llama/tokenizer.c and bfbuild_unikernel/llama/tokenizer.py expect):
0 <unk>, 1 BOS, 2 EOS, 3..258 the byte-fallback pieces <0x00>..<0xFF>, then the merged pieces in
training order with descending scores (-rank), then every printable ASCII character (scored
below every merge). Words carry their leading space, as SentencePiece's "▁", so the encoder's
dummy-prefix " " exists and " the" is one piece.

    int32 max_token_length
    per token: float32 score, int32 length, `length` bytes
"""
from __future__ import annotations

import struct
from collections import Counter
from typing import Dict, Iterable, List, Tuple

SPECIAL = ["<unk>", "\n<s>\n", "\n</s>\n"]
BYTE_PIECES = [f"<0x{b:02X}>" for b in range(256)]
CHARACTERS = [chr(c) for c in range(32, 127)]
FIXED = len(SPECIAL) + len(BYTE_PIECES) + len(CHARACTERS)  # 354
BOS = 1


def train_merges(texts: Iterable[str], count: int) -> List[str]:
    """Up to `count` new pieces, most frequent pair first; ties go to the smaller pair, so the
    result never depends on dict order. A pair whose concatenation is already a piece is merged
    but adds no entry, so every piece appears once."""
    words: Counter = Counter()
    for text in texts:
        words.update(tuple(" " + word) for word in text.split())
    known = set(CHARACTERS)
    merges: List[str] = []
    while len(merges) < count:
        pairs: Counter = Counter()
        for word, freq in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += freq
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        joined = best[0] + best[1]
        merged: Counter = Counter()
        for word, freq in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(joined)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += freq
        words = merged
        if joined not in known:
            known.add(joined)
            merges.append(joined)
    return merges


def build_vocab(texts: Iterable[str], vocab_size: int) -> List[Tuple[str, float]]:
    """(piece, score) for each id of a vocabulary of exactly vocab_size entries."""
    if vocab_size <= FIXED:
        raise ValueError(f"vocab_size must be above {FIXED}")
    merges = train_merges(texts, vocab_size - FIXED)
    if len(merges) < vocab_size - FIXED:
        raise ValueError(f"the text yields only {len(merges)} merges: vocab_size at most {FIXED + len(merges)}")
    vocab = [(p, 0.0) for p in SPECIAL + BYTE_PIECES]
    vocab += [(p, -float(rank)) for rank, p in enumerate(merges)]
    vocab += [(c, -1e4 - i) for i, c in enumerate(CHARACTERS)]
    return vocab


def tokenizer_bytes(vocab: List[Tuple[str, float]]) -> bytes:
    pieces = [(p.encode("utf-8"), s) for p, s in vocab]
    out = [struct.pack("<i", max(len(b) for b, _ in pieces))]
    for data, score in pieces:
        out.append(struct.pack("<fi", score, len(data)) + data)
    return b"".join(out)


def read_tokenizer(data: bytes, vocab_size: int) -> List[Tuple[str, float]]:
    at, vocab = 4, []
    for _ in range(vocab_size):
        score, length = struct.unpack_from("<fi", data, at)
        vocab.append((data[at + 8:at + 8 + length].decode("utf-8"), score))
        at += 8 + length
    return vocab


class Encoder:
    """run.c's encode(): dummy prefix " ", one piece per character (or its bytes as <0xXX>),
    then repeatedly the adjacent pair forming the best-scoring piece is merged (the leftmost on
    ties). Merges never span a space except at a piece's start, so words are encoded one by one
    (and cached) with the same result as run.c on the whole text."""

    def __init__(self, vocab: List[Tuple[str, float]]):
        self.pieces = [p for p, _ in vocab]
        self.scores = [s for _, s in vocab]
        self.ids: Dict[str, int] = {}
        for i, piece in enumerate(self.pieces):
            self.ids.setdefault(piece, i)  # duplicates resolve to the lowest id, as the kernel
        self.cache: Dict[str, List[int]] = {}

    def _word(self, word: str) -> List[int]:
        tokens: List[int] = []
        for ch in word:
            if ch in self.ids:
                tokens.append(self.ids[ch])
            else:
                tokens.extend(b + 3 for b in ch.encode("utf-8"))
        while True:
            best, best_id, best_at = -1e10, -1, -1
            for i in range(len(tokens) - 1):
                joined = self.pieces[tokens[i]] + self.pieces[tokens[i + 1]]
                found = self.ids.get(joined)
                if found is not None and self.scores[found] > best:
                    best, best_id, best_at = self.scores[found], found, i
            if best_at < 0:
                return tokens
            tokens[best_at:best_at + 2] = [best_id]

    def encode(self, text: str, bos: bool = True) -> List[int]:
        """BOS, then the tokens of " " + text (text holds single spaces between words)."""
        out = [BOS] if bos else []
        for word in text.split(" "):
            piece = " " + word
            if piece not in self.cache:
                self.cache[piece] = self._word(piece)
            out.extend(self.cache[piece])
        return out

    def decode(self, tokens: List[int]) -> str:
        return "".join(self.pieces[t] for t in tokens if t > 2)
