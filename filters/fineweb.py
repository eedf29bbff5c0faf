"""FineWeb's quality rules (Penedo et al. 2024): the line-level signs of non-prose pages.

Too few lines ending in punctuation (menus, tables, lists of links), too many short lines,
too many characters in repeated lines, too many line breaks per word (lists). Same
semantics as datatrove's FineWebQualityFilter (checked in tests), with our word split, or
with datatrove's (`word_split: spacy_en`, the fineweb preset).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from leam.filters.base import (
    Doc,
    FilterParams,
    Signals,
    Threshold,
    Verdict,
    above,
    below,
    first_drop,
)
from leam.filters.gopher_repetition import duplicates
from leam.filters.text import WordSplit, nonempty_lines, word_splitter

# datatrove's TERMINAL_PUNCTUATION holds every script's; these are the ones EU languages use
# (the Greek question mark among them) and the CJK, Arabic and Devanagari stops they quote.
EU_TERMINAL = [".", "!", "?", "…", ";", "\u037e", "。", "؟", "؛", "।"]


class FineWebQualityParams(FilterParams):
    min_punct_lines_ratio: float = Field(0.12, ge=0, le=1, description="lines ending a sentence")
    punct_lines_exclude_zero: bool = Field(False, description="exempt texts with none at all")
    stop_chars: list[str] = Field(default_factory=lambda: list(EU_TERMINAL))
    max_short_lines_ratio: float = Field(0.67, ge=0, le=1)
    short_line_length: int = Field(30, ge=0, description="characters; a line this short or less")
    max_dup_line_char_ratio: float = Field(0.01, ge=0, le=1)
    max_newline_word_ratio: float = Field(0.3, ge=0, description="line breaks per word")
    word_split: WordSplit = "unicode"


class FineWebQuality:
    id: ClassVar[str] = "fineweb_quality"
    Params: ClassVar[type[FilterParams]] = FineWebQualityParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = (
        Threshold("punct_lines_ratio", "min_punct_lines_ratio", "min"),
        Threshold("short_lines_ratio", "max_short_lines_ratio", "max"),
        Threshold("newline_word_ratio", "max_newline_word_ratio", "max"),
    )

    def __init__(self, params: FineWebQualityParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.stops = tuple(params.stop_chars)
        self.words = word_splitter(params.word_split)

    def score(self, doc: Doc) -> Signals:
        text = doc.get("text") or ""
        lines = nonempty_lines(text)
        if not lines:
            return {"lines": 0.0}
        n = len(lines)
        n_words = len(self.words(text))
        punct = sum(line.endswith(self.stops) for line in lines) / n
        return {
            "lines": float(n),
            "punct_lines_ratio": punct,
            "short_lines_ratio": sum(len(x) <= self.params.short_line_length for x in lines) / n,
            "dup_line_char_ratio": duplicates(lines)[1] / max(1, len(text) - text.count("\n")),
            "newline_word_ratio": text.count("\n") / max(1, n_words),
        }

    def decide(self, s: Signals) -> Verdict:
        p = self.params
        if not s["lines"]:
            return first_drop(below("empty", "lines", 0.0, 1))
        punct = s["punct_lines_ratio"]
        exempt = punct == 0 and p.punct_lines_exclude_zero
        return first_drop(
            None if exempt else below("too_few_punctuated_lines", "punct_lines_ratio", punct,
                                      p.min_punct_lines_ratio),
            above("too_many_short_lines", "short_lines_ratio", s["short_lines_ratio"],
                  p.max_short_lines_ratio),
            above("repeated_line_chars", "dup_line_char_ratio", s["dup_line_char_ratio"],
                  p.max_dup_line_char_ratio),
            above("too_many_line_breaks", "newline_word_ratio", s["newline_word_ratio"],
                  p.max_newline_word_ratio),
        )  # fmt: skip
