"""C4's line and document rules (Raffel et al. 2020, section 2.2), as datatrove applies them.

Line rules remove what is not prose from a page: lines that do not end a sentence, lines of
fewer than three words, lines about JavaScript or cookie and privacy notices, citation marks.
Document rules remove pages with "lorem ipsum" or a curly bracket (code), and pages with
fewer than five sentences left once the line rules have run. When `remove_lines` is on, a
kept document's text becomes the lines that pass (the manifest says so; the stage counts
the lines removed).

Per language: sentence-final punctuation (Greek ends questions with ';'), and the phrases of
cookie and privacy notices, which C4 only knew in English.

Sentences are counted by a regex on terminal punctuation, or (`word_split: spacy_en`, the
fineweb preset) as datatrove counts them, with spaCy's English words and sentencizer
(leam.filters.spacy_words).
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field

from leam.filters.base import (
    Doc,
    Drop,
    FilterParams,
    Signals,
    Threshold,
    Verdict,
    below,
    first_drop,
)
from leam.filters.text import WordSplit

CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")


class C4QualityParams(FilterParams):
    end_punctuation: list[str] = Field(
        default_factory=lambda: [".", "?", "!", '"', "'", "”", "»", "“", "’"],
        description="a line must end with one of these to be kept",
    )
    min_words_per_line: int = Field(3, ge=0)
    max_word_length: int = Field(1000, ge=1, description="a line with a longer word is dropped")
    min_sentences: int = Field(5, ge=0, description="sentences left after the line rules")
    remove_citations: bool = True
    drop_lorem_ipsum: bool = True
    drop_curly_bracket: bool = True
    remove_javascript_lines: bool = True
    policy_phrases: list[str] = Field(
        default_factory=lambda: [
            "terms of use", "privacy policy", "cookie policy", "uses cookies",
            "use of cookies", "use cookies",
        ],
        description="lines holding one of these (lower case) are cookie/privacy notices",
    )  # fmt: skip
    remove_lines: bool = Field(True, description="kept documents keep only the lines that pass")
    word_split: WordSplit = Field("unicode", description="spacy_en: datatrove's sentence count")


class C4Quality:
    id: ClassVar[str] = "c4_quality"
    Params: ClassVar[type[FilterParams]] = C4QualityParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = (Threshold("sentences", "min_sentences", "min"),)

    def __init__(self, params: C4QualityParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.ends = tuple(params.end_punctuation)
        enders = re.escape("".join(sorted({p[-1] for p in params.end_punctuation})))
        # A sentence ends at terminal punctuation (and closing quotes) before a space or the
        # end of the line: a regex count instead of a sentence tokenizer.
        terminal = "".join(
            ch for ch in ".?!;…\u037e" if any(ch in p for p in params.end_punctuation)
        )
        self.sentence_end = re.compile(f"[{re.escape(terminal)}]+[{enders}]*(?=\\s|$)")
        phrases = "|".join(re.escape(p.lower()) for p in params.policy_phrases)
        self.policy = re.compile(phrases) if phrases else None
        self.count_sentences = self._regex_sentences
        if params.word_split == "spacy_en":
            from leam.filters.spacy_words import spacy_english

            self.count_sentences = spacy_english().sentences

    def _regex_sentences(self, line: str) -> int:
        return max(1, len(self.sentence_end.findall(line)))

    def _lines(self, text: str) -> tuple[list[str], Signals, str | None]:
        """(kept lines, signals, reason the whole document fails or None)."""
        p = self.params
        kept: list[str] = []
        sentences = removed = 0
        lines = text.splitlines()
        for raw in lines:
            line = raw.strip()
            if not line:  # paragraph breaks: not a line of content, not counted
                continue
            tokens = line.split()
            if any(len(t) > p.max_word_length for t in tokens):
                removed += 1
                continue
            if p.remove_citations:
                line = CITATION_RE.sub("", line)
            if not line.endswith(self.ends) or line.endswith("..."):
                removed += 1
                continue
            if len(tokens) < p.min_words_per_line:
                removed += 1
                continue
            lower = line.lower()
            if p.drop_lorem_ipsum and "lorem ipsum" in lower:
                return kept, self._signals(lines, removed, sentences), "lorem_ipsum"
            if p.remove_javascript_lines and "javascript" in lower:
                removed += 1
                continue
            if p.drop_curly_bracket and "{" in line:
                return kept, self._signals(lines, removed, sentences), "curly_bracket"
            if self.policy is not None and self.policy.search(lower):
                removed += 1
                continue
            sentences += self.count_sentences(line)
            kept.append(line)
        return kept, self._signals(lines, removed, sentences), None

    @staticmethod
    def _signals(lines: list[str], removed: int, sentences: int) -> Signals:
        return {
            "sentences": float(sentences),
            "lines_removed_frac": removed / max(1, sum(1 for x in lines if x.strip())),
        }

    def score(self, doc: Doc) -> Signals:
        text = doc.get("text") or ""
        kept, signals, reason = self._lines(text)
        self._last = (text, kept)  # rewrite() of the same text, right after, reuses the lines
        signals["lorem_ipsum"] = float(reason == "lorem_ipsum")
        signals["curly_bracket"] = float(reason == "curly_bracket")
        return signals

    def decide(self, s: Signals) -> Verdict:
        return first_drop(
            Drop("lorem_ipsum", {"lorem_ipsum": 1.0}) if s["lorem_ipsum"] else None,
            Drop("curly_bracket", {"curly_bracket": 1.0}) if s["curly_bracket"] else None,
            below("too_few_sentences", "sentences", s["sentences"], self.params.min_sentences),
        )

    def rewrite(self, doc: Doc) -> tuple[str, dict[str, int]]:
        """The text of a kept document with only its passing lines."""
        text = doc.get("text") or ""
        if not self.params.remove_lines:
            return text, {}
        last = getattr(self, "_last", None)
        kept = last[1] if last is not None and last[0] is text else self._lines(text)[0]
        removed = sum(1 for line in text.splitlines() if line.strip()) - len(kept)
        return "\n".join(kept).strip(), {"lines_removed": removed} if removed else {}
