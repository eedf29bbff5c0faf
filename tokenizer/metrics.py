"""How well a tokenizer serves a language: fertility, continued words, bytes per token, premium.

    fertility        tokens per whitespace-separated word (Rust et al. 2021): 1.0 means
                     every word is one token; higher means longer sequences and less context
    continued words  share of words split into two or more tokens (Rust et al. 2021)
    bytes per token  UTF-8 bytes of text per token: the compression the model sees
    premium          tokens for a text over tokens for its English translation, on parallel
                     text (Petrov et al. 2023): 1.0 is parity, 2.0 means twice the cost

Tokens are counted without special tokens. A token belongs to the word that holds its first
non-space character (byte-level tokens carry the space before a word; several byte tokens
of one character all belong to its word); whitespace-only tokens count towards fertility and
bytes per token but belong to no word.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tokenizers import Tokenizer

WORD = re.compile(r"\S+")
BATCH = 256


@dataclass
class TextStats:
    texts: int = 0
    words: int = 0
    tokens: int = 0
    continued: int = 0  # words of two or more tokens
    bytes: int = 0

    def add(self, other: TextStats) -> None:
        self.texts += other.texts
        self.words += other.words
        self.tokens += other.tokens
        self.continued += other.continued
        self.bytes += other.bytes

    def summary(self) -> dict[str, float | int]:
        return {
            "texts": self.texts,
            "words": self.words,
            "tokens": self.tokens,
            "bytes": self.bytes,
            "fertility": round(self.tokens / self.words, 4) if self.words else 0.0,
            "continued_words": round(self.continued / self.words, 4) if self.words else 0.0,
            "bytes_per_token": round(self.bytes / self.tokens, 4) if self.tokens else 0.0,
        }


def _one(text: str, offsets: list[tuple[int, int]]) -> TextStats:
    spans = [m.span() for m in WORD.finditer(text)]
    starts = [s for s, _ in spans]
    per_word = [0] * len(spans)
    for s, e in offsets:
        piece = text[s:e]
        anchor = s + len(piece) - len(piece.lstrip())
        if anchor >= e:
            continue  # whitespace only
        i = bisect_right(starts, anchor) - 1
        if i >= 0 and anchor < spans[i][1]:
            per_word[i] += 1
    return TextStats(
        texts=1,
        words=len(spans),
        tokens=len(offsets),
        continued=sum(1 for n in per_word if n > 1),
        bytes=len(text.encode("utf-8")),
    )


def text_stats(tok: Tokenizer, texts: Iterable[str]) -> TextStats:
    """Summed figures over texts (encoded in batches: the Rust encoder runs them in parallel)."""
    total = TextStats()
    batch: list[str] = []

    def flush() -> None:
        for text, enc in zip(batch, tok.encode_batch(batch, add_special_tokens=False), strict=True):
            total.add(_one(text, enc.offsets))
        batch.clear()

    for text in texts:
        batch.append(text)
        if len(batch) >= BATCH:
            flush()
    flush()
    return total


def token_counts(tok: Tokenizer, texts: list[str]) -> list[int]:
    return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False)]


def premiums(
    tok: Tokenizer, groups: Mapping[str, Mapping[str, str]], reference: str = "en"
) -> dict[str, float]:
    """Per language: Σ tokens(text) / Σ tokens(its reference translation), over the groups
    that have both (a ratio of sums, so long sentences weigh as much as they cost)."""
    langs = sorted({lang for g in groups.values() for lang in g})
    out: dict[str, float] = {}
    for lang in langs:
        pairs = [(g[lang], g[reference]) for g in groups.values() if lang in g and reference in g]
        if not pairs:
            continue
        mine = sum(token_counts(tok, [a for a, _ in pairs]))
        ref = sum(token_counts(tok, [b for _, b in pairs]))
        if ref:
            out[lang] = round(mine / ref, 4)
    return out
