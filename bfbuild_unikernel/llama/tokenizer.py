"""llama2.c tokenizer files: a small BPE vocabulary trained on a fixed English text, the writer
and a validator.

File format (what run.c reads; the entry count is the model's vocab_size):
    int32 max_token_length
    per token: float32 score, int32 length, `length` bytes (no terminator)

The generated vocabulary follows the Llama layout: 0 <unk>, 1 <s> (BOS), 2 </s> (EOS),
3..258 the byte-fallback pieces <0x00>..<0xFF>, then merged pieces in training order with
descending scores, then every printable ASCII character. Words carry their leading space, as
SentencePiece's "▁" (written as a plain space in tokenizer.bin), so " the" is one piece and the
encoder's dummy-prefix " " exists.
"""
from __future__ import annotations

import struct
from collections import Counter
from typing import Iterable, List, Tuple

SPECIAL = ["<unk>", "\n<s>\n", "\n</s>\n"]
BYTE_PIECES = [f"<0x{b:02X}>" for b in range(256)]
CHARACTERS = [chr(c) for c in range(32, 127)]

# The training text: plain sentences, so that merges give common English pairs and words.
CORPUS = """
Once upon a time there was a little town by the sea. In the town lived a girl who liked to read
and a boy who liked to build. Every morning the girl went to the old library, and every morning
the boy went down to the harbour to look at the boats. One day the wind was strong and the sea
was grey. The boy saw a small boat that had lost its sail. He ran to the library and told the
girl. She found a book about sails and knots, and they read it together under the window. Then
they went to the harbour with rope and cloth and they made a new sail for the boat. The owner of
the boat was an old man with a kind face. He thanked them and said that the sea was a good
teacher, because it asks the same question every day and waits for a better answer. After that
day the girl and the boy met every evening. They read about stars and rivers, about machines that
think and about the people who made them. They built a small radio and they listened to the
voices of the world. When the winter came the town was quiet and white, and the two friends sat
by the fire and wrote their own stories. In the stories there was always a boat, a book and a
light in the window. Many years later the girl became a teacher and the boy became an engineer,
and they still remembered the day of the lost sail. The town grew, the harbour changed, but the
library stayed the same, with its tall windows and its long tables, and the children of the
town still went there every morning to read, to learn and to dream about the sea.
"""


FIXED = len(SPECIAL) + len(BYTE_PIECES) + len(CHARACTERS)  # 354 pieces before the merges


def train_merges(texts: Iterable[str], count: int) -> List[str]:
    """Up to `count` new pieces, most frequent pair first (ties: the smaller pair, so the result
    never depends on dict order). A pair whose concatenation is already a piece is merged in the
    text but adds no entry, so every piece appears once. (training/bpe.py trains the shipped
    model's tokenizer with this too.)"""
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


def generate_vocab(vocab_size: int) -> List[Tuple[str, float]]:
    """(piece, score) for every id of a vocabulary of exactly vocab_size entries."""
    fixed = len(SPECIAL) + len(BYTE_PIECES) + len(CHARACTERS)
    if vocab_size <= fixed:
        raise ValueError(f"the generated tokenizer needs vocab_size > {fixed} "
                         f"(3 special, 256 byte and {len(CHARACTERS)} character pieces)")
    merges = train_merges([CORPUS], vocab_size - fixed)
    if len(merges) < vocab_size - fixed:
        merges += word_pairs(merges, vocab_size - fixed - len(merges))
    return vocab_from_merges(merges)


def word_pairs(merges: List[str], count: int) -> List[str]:
    """`count` more pieces for a large vocabulary (llama2.c's 32000) than the text trains: two
    word pieces in a row (" the" + " sea"), in rank order, each a merge of two pieces, so the
    encoder can reach it."""
    words = [p for p in merges if p.startswith(" ")]
    known, extra = set(merges), []
    for first in words:
        for second in words:
            if len(extra) == count:
                return extra
            if first + second not in known:
                known.add(first + second)
                extra.append(first + second)
    raise ValueError(f"the generated tokenizer has at most {FIXED + len(merges) + len(extra)} "
                     f"pieces; vocab_size {FIXED + len(merges) + count} is too large")


def vocab_from_merges(merges: List[str]) -> List[Tuple[str, float]]:
    """The layout the kernel reads: special and byte pieces, the merges by rank, characters."""
    vocab = [(p, 0.0) for p in SPECIAL + BYTE_PIECES]
    vocab += [(p, -float(rank)) for rank, p in enumerate(merges)]
    # Characters score below every merge; run.c only compares scores of merge results anyway.
    vocab += [(c, -1e4 - i) for i, c in enumerate(CHARACTERS)]
    return vocab


def tokenizer_bytes(vocab: List[Tuple[str, float]]) -> bytes:
    pieces = [(p.encode("utf-8"), s) for p, s in vocab]
    out = [struct.pack("<i", max(len(b) for b, _ in pieces))]
    for data, score in pieces:
        out.append(struct.pack("<fi", score, len(data)) + data)
    return b"".join(out)


def parse_tokenizer(data: bytes, vocab_size: int) -> Tuple[int, List[bytes], List[float]]:
    """(max_token_length, pieces, scores); ValueError when the file does not hold vocab_size
    well-formed entries."""
    if len(data) < 4:
        raise ValueError("a tokenizer file starts with an int32 max_token_length")
    (max_len,) = struct.unpack_from("<i", data)
    at, pieces, scores = 4, [], []
    for index in range(vocab_size):
        if at + 8 > len(data):
            raise ValueError(f"the tokenizer ends at entry {index} of {vocab_size}")
        score, length = struct.unpack_from("<fi", data, at)
        at += 8
        if length < 0 or length > max_len or at + length > len(data):
            raise ValueError(f"tokenizer entry {index}: bad length {length} (max {max_len})")
        pieces.append(data[at:at + length])
        scores.append(score)
        at += length
    return max_len, pieces, scores
