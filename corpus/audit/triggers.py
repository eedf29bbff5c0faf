"""Where in a text a filter's verdict came from, so that a reviewer can judge a sample.

The ledger keeps the signals and a detail line (`words=23 < 50`); that says how much, not
where. For the reasons that have a place in the text (a repeated line or n-gram, a line the
line rules removed, a banned word, a redacted span) the filter is rebuilt from the run's
manifest and the place is found again with the filter's own rules. Reasons that are a count
over the whole text (too few words, too few stop words) have no place and get no mark.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from leam.filters.text import WORD_RE

MAX_MARKS = 8  # marks per sample: enough to see the pattern, not the whole page
WINDOW = 360  # characters of text around the first mark


@dataclass(frozen=True)
class Mark:
    """A span of a text [start, end) and what it is (`repeated line`, `EMAIL`...)."""

    start: int
    end: int
    label: str


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _repeated(text: str, spans: list[tuple[int, int]], label: str) -> list[Mark]:
    """The second and later occurrences of a repeated line or paragraph."""
    seen: set[str] = set()
    marks = []
    for a, b in spans:
        item = text[a:b]
        if item in seen:
            marks.append(Mark(a, b, label))
        seen.add(item)
    return marks


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in re.finditer(r"\n{2,}", text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _top_ngram(text: str, n: int) -> list[Mark]:
    """Every occurrence of the most frequent n-gram of words (the mark count says how many)."""
    found = list(WORD_RE.finditer(text))
    grams = [tuple(m.group() for m in found[i : i + n]) for i in range(len(found) - n + 1)]
    if not grams:
        return []
    top, count = Counter(grams).most_common(1)[0]
    if count < 2:
        return []
    label = f"most frequent {n}-gram"
    return [
        Mark(found[i].start(), found[i + n - 1].end(), label)
        for i, g in enumerate(grams)
        if g == top
    ]


def _dup_ngrams(text: str, n: int) -> list[Mark]:
    """n-grams seen before, scanning left to right as the filter counts them."""
    found = list(WORD_RE.finditer(text))
    seen: set[tuple[str, ...]] = set()
    marks, i = [], 0
    while i <= len(found) - n:
        gram = tuple(m.group() for m in found[i : i + n])
        if gram in seen:
            marks.append(Mark(found[i].start(), found[i + n - 1].end(), f"repeated {n}-gram"))
            i += n
        else:
            seen.add(gram)
            i += 1
    return marks


def _repetition(text: str, reason: str) -> list[Mark]:
    if reason.startswith("duplicate_paragraph"):
        return _repeated(text, _paragraph_spans(text), "repeated paragraph")
    if reason.startswith("duplicate_line"):
        return _repeated(text, _line_spans(text), "repeated line")
    if m := re.fullmatch(r"top_(\d+)gram_too_frequent", reason):
        return _top_ngram(text, int(m.group(1)))
    if m := re.fullmatch(r"duplicate_(\d+)grams", reason):
        return _dup_ngrams(text, int(m.group(1)))
    return []


def _c4(flt: Any, text: str, reason: str) -> list[Mark]:
    if reason == "lorem_ipsum":
        return [
            Mark(m.start(), m.end(), "lorem ipsum") for m in re.finditer("(?i)lorem ipsum", text)
        ]
    if reason == "curly_bracket":
        return [Mark(i, i + 1, "curly bracket") for i, ch in enumerate(text) if ch == "{"]
    # too_few_sentences: the lines the line rules removed, each judged alone by the filter
    marks = []
    for a, b in _line_spans(text):
        kept, _, _ = flt._lines(text[a:b])
        if not kept:
            marks.append(Mark(a, b, "line removed by the line rules"))
    return marks


def _fineweb(flt: Any, text: str, reason: str) -> list[Mark]:
    p = flt.params
    spans = _line_spans(text)
    if reason == "too_few_punctuated_lines":
        return [
            Mark(a, b, "no end punctuation")
            for a, b in spans
            if not text[a:b].endswith(tuple(p.stop_chars))
        ]
    if reason == "too_many_short_lines":
        return [
            Mark(a, b, f"line ≤ {p.short_line_length} chars")
            for a, b in spans
            if len(text[a:b]) <= p.short_line_length
        ]
    if reason == "repeated_line_chars":
        return _repeated(text, spans, "repeated line")
    return []


def _banned(flt: Any, text: str) -> list[Mark]:
    return [
        Mark(m.start(), m.end(), "banned word")
        for m in WORD_RE.finditer(text)
        if m.group().lower() in flt.words
    ]


def placeholders(text: str, placeholder: str) -> list[Mark]:
    """The redacted spans of a kept text: its placeholders, labelled with their category."""
    head, _, tail = placeholder.partition("{category}")
    pattern = re.escape(head) + r"([A-Z_]+)" + re.escape(tail)
    return [Mark(m.start(), m.end(), m.group(1)) for m in re.finditer(pattern, text)]


def locate(manifest: Any, lang: str, text: str, reason: str) -> list[Mark]:
    """The marks for a removed document: `manifest` is the run's (filters.manifest.Manifest),
    so the rules are the ones in force then, with the language's own parameters."""
    impl = manifest.implementation
    if impl == "gopher_repetition":
        marks = _repetition(text, reason)
    elif impl in ("c4_quality", "fineweb_quality", "banned_words"):
        flt = manifest.filter(manifest.params_for(lang), lang)
        if impl == "c4_quality":
            marks = _c4(flt, text, reason)
        elif impl == "fineweb_quality":
            marks = _fineweb(flt, text, reason)
        else:
            marks = _banned(flt, text)
    else:
        marks = []
    return marks[:MAX_MARKS]


def window(text: str, marks: list[Mark], size: int = WINDOW) -> tuple[str, list[Mark]]:
    """A piece of the text around the first mark (its start if none), whitespace kept as
    it is so that the marks' offsets stay true, and the marks inside it, clipped."""
    start = max(0, marks[0].start - size // 4) if marks else 0
    end = min(len(text), start + size)
    inside = [
        Mark(max(m.start, start) - start, min(m.end, end) - start, m.label)
        for m in marks
        if m.start < end and m.end > start
    ]
    return text[start:end], inside
