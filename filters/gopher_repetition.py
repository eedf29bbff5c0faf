"""Gopher repetition rules (Rae et al. 2021, table A1): repeated lines, paragraphs, n-grams.

Boilerplate, spam and machine-generated pages repeat themselves. The fractions are of
characters of the whole text, as in the paper and in datatrove's implementation, whose
semantics these follow exactly (tests/filters/test_datatrove_agreement.py checks it). The
n-gram statistics run on 64-bit n-gram hashes with numpy instead of joined strings: the
same answer (up to hash collisions) for a fraction of the cost, and the greedy
duplicate-n-gram scan visits only the positions of repeated n-grams, found for each size
among those of the size below (a repeated n-gram starts with a repeated shorter one).
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
from pydantic import Field

from leam.filters.base import Doc, FilterParams, Signals, Threshold, Verdict, above, first_drop
from leam.filters.text import WordSplit, word_splitter

PARAGRAPH_RE = re.compile(r"\n{2,}")
LINE_RE = re.compile(r"\n+")


class GopherRepetitionParams(FilterParams):
    max_dup_line_frac: float | None = Field(0.3, ge=0, le=1)
    max_dup_para_frac: float | None = Field(0.3, ge=0, le=1)
    max_dup_line_char_frac: float | None = Field(0.2, ge=0, le=1)
    max_dup_para_char_frac: float | None = Field(0.2, ge=0, le=1)
    # n → the largest share of characters the most frequent n-gram may cover
    max_top_ngram_char_frac: dict[int, float] = Field(
        default_factory=lambda: {2: 0.2, 3: 0.18, 4: 0.16}
    )
    # n → the largest share of characters in n-grams that occur more than once
    max_dup_ngram_char_frac: dict[int, float] = Field(
        default_factory=lambda: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
    )
    # An n-gram seen once is not a repetition. datatrove counts the top n-gram even then
    # (as if this were 1), which removes short documents for "repetition" they do not have.
    min_top_ngram_count: int = Field(2, ge=1)
    # The n-grams' words; spacy_en: datatrove's, punctuation marks among them.
    word_split: WordSplit = "unicode"


def duplicates(items: list[str]) -> tuple[int, int]:
    """(repeated items, their characters), counting each repeat after the first."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio): spreads the ids


def ngram_keys(words: list[str], sizes: list[int]) -> dict[int, np.ndarray]:
    """n → (M,) uint64, one key per n-gram: a polynomial hash of the words' hashes modulo
    2^64, built up n by n. Equal n-grams get equal keys; different ones collide with
    probability ~M²/2^64 (never, for documents)."""
    ids = np.fromiter(map(hash, words), np.int64, len(words)).view(np.uint64)
    out: dict[int, np.ndarray] = {}
    keys = ids
    with np.errstate(over="ignore"):
        for n in range(1, max(sizes, default=0) + 1):
            if n > 1:
                keys = keys[:-1] * _MIX + ids[n - 1 :]
            if n in sizes:
                out[n] = keys
    return out


def top_ngram_chars(keys: np.ndarray, lengths: np.ndarray, n: int, min_count: int = 1) -> int:
    """Characters covered by the most frequent n-gram (words joined by spaces) × its count,
    0 if it occurs fewer than min_count times; ties go to the n-gram seen first, as
    collections.Counter.most_common does."""
    ordered = np.sort(keys)
    same = ordered[1:] == ordered[:-1]
    if not same.any():  # every n-gram once: the "top" one is the first
        return 0 if min_count > 1 else int(lengths[:n].sum()) + n - 1
    bounds = np.concatenate(([0], np.flatnonzero(~same) + 1, [len(ordered)]))
    runs = bounds[1:] - bounds[:-1]  # (distinct,) occurrences of each n-gram
    top = int(runs.max())
    if top < min_count:
        return 0
    tied = ordered[bounds[:-1][runs == top]]
    first = keys == tied[0] if len(tied) == 1 else np.isin(keys, tied)
    start = int(np.flatnonzero(first)[0])
    return (int(lengths[start : start + n].sum()) + n - 1) * top


def repeated_positions(keys: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
    """Ascending positions of the n-grams that occur more than once. `among`: the positions
    of the repeated m-grams for some m < n; a repeated n-gram starts with a repeated
    m-gram, so only those positions are compared (in long texts a small share)."""
    at = np.arange(len(keys)) if among is None else among[among < len(keys)]
    sub = keys[at]
    order = np.argsort(sub)
    same = sub[order[1:]] == sub[order[:-1]]
    repeated = np.zeros(len(at), dtype=bool)
    repeated[order[1:][same]] = True
    repeated[order[:-1][same]] = True
    return at[repeated]


def dup_ngram_chars(keys: np.ndarray, ends: list[int], n: int, positions: np.ndarray) -> int:
    """Characters of n-grams (joined without spaces) seen before, scanning left to right and
    jumping past each repeat, so that overlapping repeats are not counted twice.

    `positions`: `repeated_positions(keys)`. An n-gram that occurs once is never "seen
    before" and never starts a jump, so the scan visits only the others, with the outcome
    of visiting every position. `ends[i]`: the characters of words [0, i)."""
    seen: set[int] = set()
    repeated, resume = 0, 0
    for i, key in zip(positions.tolist(), keys[positions].tolist(), strict=True):
        if i < resume:  # inside the last repeat: jumped over
            continue
        if key in seen:
            repeated += ends[i + n] - ends[i]
            resume = i + n
        else:
            seen.add(key)
    return repeated


class GopherRepetition:
    id: ClassVar[str] = "gopher_repetition"
    Params: ClassVar[type[FilterParams]] = GopherRepetitionParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = (
        Threshold("dup_line_frac", "max_dup_line_frac", "max"),
        Threshold("dup_para_char_frac", "max_dup_para_char_frac", "max"),
    )

    def __init__(self, params: GopherRepetitionParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.words = word_splitter(params.word_split)

    def score(self, doc: Doc) -> Signals:
        p = self.params
        text = doc.get("text") or ""
        size = len(text) or 1
        paragraphs = PARAGRAPH_RE.split(text.strip())
        para_dups, para_chars = duplicates(paragraphs)
        lines = LINE_RE.split(text)
        line_dups, line_chars = duplicates(lines)
        s: Signals = {
            "dup_para_frac": para_dups / len(paragraphs),
            "dup_para_char_frac": para_chars / size,
            "dup_line_frac": line_dups / len(lines),
            "dup_line_char_frac": line_chars / size,
        }
        tokens = self.words(text)
        lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
        top_ns = [n for n in p.max_top_ngram_char_frac if len(tokens) >= n]
        dup_ns = sorted(n for n in p.max_dup_ngram_char_frac if len(tokens) >= n)
        keys = ngram_keys(tokens, top_ns + dup_ns)
        for n in p.max_top_ngram_char_frac:
            chars = top_ngram_chars(keys[n], lengths, n, p.min_top_ngram_count) if n in keys else 0
            s[f"top_{n}gram_char_frac"] = chars / size
        ends = np.concatenate(([0], np.cumsum(lengths))).tolist()
        dup_chars, positions = {}, None
        for n in dup_ns:  # ascending: each size compares only where the last one repeats
            positions = repeated_positions(keys[n], positions)
            dup_chars[n] = dup_ngram_chars(keys[n], ends, n, positions)
        for n in p.max_dup_ngram_char_frac:
            s[f"dup_{n}gram_char_frac"] = dup_chars.get(n, 0) / size
        return s

    def decide(self, s: Signals) -> Verdict:
        p = self.params
        checks = [
            above("duplicate_paragraphs", "dup_para_frac", s["dup_para_frac"],
                  p.max_dup_para_frac),
            above("duplicate_paragraph_chars", "dup_para_char_frac", s["dup_para_char_frac"],
                  p.max_dup_para_char_frac),
            above("duplicate_lines", "dup_line_frac", s["dup_line_frac"], p.max_dup_line_frac),
            above("duplicate_line_chars", "dup_line_char_frac", s["dup_line_char_frac"],
                  p.max_dup_line_char_frac),
        ]  # fmt: skip
        for n, limit in p.max_top_ngram_char_frac.items():
            key = f"top_{n}gram_char_frac"
            checks.append(above(f"top_{n}gram_too_frequent", key, s[key], limit))
        for n, limit in p.max_dup_ngram_char_frac.items():
            key = f"dup_{n}gram_char_frac"
            checks.append(above(f"duplicate_{n}grams", key, s[key], limit))
        return first_drop(*checks)
