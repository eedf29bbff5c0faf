"""Gopher quality rules (Rae et al. 2021, appendix A), with stop words per language.

A document is running prose when it has a sensible number of words of sensible length,
few hash marks and ellipses, few lines that are bullets or trail off, mostly alphabetic
words, and enough of the language's own function words. The last rule is the one that
English defaults break: Gopher's list is English, so it removes good prose in every other
language. Here the list is the document's language's (filters/data/stopwords/), unless the
manifest gives one list for every language (`stop_words`), as datatrove does with Gopher's
eight English words: only for side-by-side comparisons with it.

With `word_split: spacy_en` (the fineweb preset) the signals are datatrove 0.10.1's: its
words include punctuation marks, the word count and mean length are of the words that are
not only punctuation, while the hash, ellipsis and alphabetic shares divide by every word,
punctuation included; an alphabetic word is one with a letter in it.
"""

from __future__ import annotations

from typing import ClassVar

from datatrove.utils.text import PUNCTUATION_SET
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
from leam.filters.text import WordSplit, count_numbers, stop_words, word_splitter, words

_KNOWN_WORDS = 500_000  # words whose letter test is kept, per filter instance


class GopherQualityParams(FilterParams):
    min_words: int | None = Field(50, ge=0, description="fewer words: not a document")
    max_words: int | None = Field(100_000, ge=0, description="more words: a dump, not prose")
    min_mean_word_length: float | None = Field(3.0, ge=0)
    max_mean_word_length: float | None = Field(10.0, ge=0)
    max_symbol_word_ratio: float | None = Field(0.1, ge=0, description="# or … per word")
    max_bullet_lines_ratio: float | None = Field(0.9, ge=0, le=1)
    max_ellipsis_lines_ratio: float | None = Field(0.3, ge=0, le=1)
    min_alpha_words_ratio: float | None = Field(0.8, ge=0, le=1, description="words with a letter")
    min_stop_words: int | None = Field(2, ge=0, description="distinct stop words of the language")
    stop_words: list[str] | None = Field(
        None, description="one list for every language; None: the document's language's"
    )
    # A sentence-initial "The" is the stop word "the". datatrove matches case (False), so a
    # capitalised word of another language ("Be", Lithuanian "without") is not "be" there.
    stop_words_ignore_case: bool = True
    word_split: WordSplit = Field("unicode", description="spacy_en: datatrove's words and ratios")


class GopherQuality:
    id: ClassVar[str] = "gopher_quality"
    Params: ClassVar[type[FilterParams]] = GopherQualityParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = (
        Threshold("words", "min_words", "min"),
        Threshold("mean_word_length", "min_mean_word_length", "min"),
        Threshold("alpha_words_ratio", "min_alpha_words_ratio", "min"),
        Threshold("stop_words", "min_stop_words", "min"),
    )

    def __init__(self, params: GopherQualityParams, lang: str) -> None:
        self.params, self.lang = params, lang
        given = params.stop_words
        self.stop_words = stop_words(lang) if given is None else frozenset(given)
        if params.stop_words_ignore_case:
            self.stop_words = frozenset(w.lower() for w in self.stop_words)
        self._lettered: dict[str, bool] = {}  # word -> holds a letter; words recur across texts

    def score(self, doc: Doc) -> Signals:
        text = doc.get("text") or ""
        if self.params.word_split != "unicode":
            return self._score_datatrove(text)
        tokens = self._tokens(text)
        n = len(tokens)
        lines = text.splitlines() or [""]
        stripped = [line.strip() for line in lines]
        return {
            "words": float(n),
            "mean_word_length": sum(map(len, tokens)) / n if n else 0.0,
            "hash_ratio": text.count("#") / n if n else 0.0,
            "ellipsis_ratio": (text.count("...") + text.count("…")) / n if n else 0.0,
            "bullet_lines_ratio": sum(s.startswith(("•", "-")) for s in stripped) / len(lines),
            "ellipsis_lines_ratio": sum(s.endswith(("...", "…")) for s in stripped) / len(lines),
            "alpha_words_ratio": (n - count_numbers(text)) / n if n else 0.0,
            "stop_words": float(len(self._stop_words_in(tokens))),
        }

    def _score_datatrove(self, text: str) -> Signals:
        """datatrove's GopherQualityFilter signals, on its word split."""
        tokens = self._tokens(text)
        n = len(tokens)
        named = _named(tokens)
        lines = text.splitlines() or [""]
        stripped = [line.strip() for line in lines]
        return {
            "words": float(len(named)),
            "mean_word_length": sum(map(len, named)) / len(named) if named else 0.0,
            "hash_ratio": text.count("#") / n if n else 0.0,
            "ellipsis_ratio": (text.count("...") + text.count("…")) / n if n else 0.0,
            "bullet_lines_ratio": sum(s.startswith(("•", "-")) for s in stripped) / len(lines),
            "ellipsis_lines_ratio": sum(s.endswith(("...", "…")) for s in stripped) / len(lines),
            "alpha_words_ratio": self._lettered_words(tokens) / n if n else 0.0,
            "stop_words": float(len(self._stop_words_in(tokens))),
        }

    def _lettered_words(self, tokens: list[str]) -> int:
        """How many tokens hold a letter: one dict look-up a token, the test once a word."""
        known = self._lettered
        if len(known) > _KNOWN_WORDS:
            known.clear()
        try:
            return sum(map(known.__getitem__, tokens))
        except KeyError:
            for word in tokens:
                if word not in known:
                    known[word] = not _no_letter(word)
            return sum(map(known.__getitem__, tokens))

    def counted_words(self, text: str) -> tuple[int, frozenset[str]]:
        """(the `words` signal, the stop words behind the `stop_words` signal) of a text.
        Both only grow when text is added around a text's words, so on a page's whole text
        they bound what the page's extracted text can reach (pipelines/extract/survival.py
        turns a page away unextracted when even they fall short)."""
        tokens = self._tokens(text)
        n = len(tokens) if self.params.word_split == "unicode" else len(_named(tokens))
        return n, self._stop_words_in(tokens)

    def _tokens(self, text: str) -> list[str]:
        if self.params.word_split == "unicode":
            return words(text.lower() if self.params.stop_words_ignore_case else text)
        return word_splitter(self.params.word_split)(text)

    def _stop_words_in(self, tokens: list[str]) -> frozenset[str]:
        if not self.stop_words:
            return frozenset()
        present = set(tokens)
        if self.params.stop_words_ignore_case and self.params.word_split != "unicode":
            present = {w.lower() for w in present}  # unicode tokens are lowercased already
        return frozenset(present & self.stop_words)

    def decide(self, s: Signals) -> Verdict:
        p = self.params
        return first_drop(
            below("too_few_words", "words", s["words"], p.min_words),
            above("too_many_words", "words", s["words"], p.max_words),
            below("words_too_short", "mean_word_length", s["mean_word_length"],
                  p.min_mean_word_length),
            above("words_too_long", "mean_word_length", s["mean_word_length"],
                  p.max_mean_word_length),
            above("too_many_hashes", "hash_ratio", s["hash_ratio"], p.max_symbol_word_ratio),
            above("too_many_ellipses", "ellipsis_ratio", s["ellipsis_ratio"],
                  p.max_symbol_word_ratio),
            above("too_many_bullet_lines", "bullet_lines_ratio", s["bullet_lines_ratio"],
                  p.max_bullet_lines_ratio),
            above("too_many_ellipsis_lines", "ellipsis_lines_ratio", s["ellipsis_lines_ratio"],
                  p.max_ellipsis_lines_ratio),
            below("too_few_alphabetic_words", "alpha_words_ratio", s["alpha_words_ratio"],
                  p.min_alpha_words_ratio),
            below("too_few_stop_words", "stop_words", s["stop_words"],
                  p.min_stop_words if self.stop_words else None),
        )  # fmt: skip


def _named(tokens: list[str]) -> list[str]:
    """datatrove's counted words: those that are not only punctuation marks."""
    return [w for w in tokens if not PUNCTUATION_SET.issuperset(w)]


def _no_letter(word: str) -> bool:
    return not any(ch.isalpha() for ch in word)
