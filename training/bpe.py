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
from typing import Dict, Iterable, List, Tuple

# The trainer and the file layout are the llama-model rule's own, so the two cannot drift.
from bfbuild_unikernel.llama.tokenizer import (FIXED, tokenizer_bytes, train_merges,  # noqa: F401
                                               vocab_from_merges)

BOS = 1


def build_vocab(texts: Iterable[str], vocab_size: int) -> List[Tuple[str, float]]:
    """(piece, score) for each id of a vocabulary of exactly vocab_size entries."""
    if vocab_size <= FIXED:
        raise ValueError(f"vocab_size must be above {FIXED}")
    merges = train_merges(texts, vocab_size - FIXED)
    if len(merges) < vocab_size - FIXED:
        raise ValueError(f"the text yields only {len(merges)} merges: vocab_size at most {FIXED + len(merges)}")
    return vocab_from_merges(merges)


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
