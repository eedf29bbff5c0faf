"""Ethics: pornographic spam by its vocabulary, for the languages that have a word list.

C4 dropped every page holding a single word of its list, which removed medical and LGBTQ
pages along with pornography (Dodge et al. 2021). Here a page is dropped only when banned
words are both several and dense. Lists: filters/data/banned_words/<lang>.txt for a language
that has one (none is bundled yet), else datatrove's English list for `en`; a language
without a list passes (counted).
"""

from __future__ import annotations

import functools
from typing import ClassVar

from pydantic import Field

from leam.filters.base import (
    Doc,
    FilterParams,
    Keep,
    Signals,
    Threshold,
    Verdict,
    above,
    first_drop,
)
from leam.filters.blocklist import url_words
from leam.filters.text import word_list, words


@functools.lru_cache(maxsize=64)
def banned_words(lang: str) -> frozenset[str]:
    own = word_list("banned_words", lang)
    if own or lang != "en":
        return own
    return url_words("banned_words")


class BannedWordsParams(FilterParams):
    min_hits: int = Field(3, ge=1, description="banned words (occurrences) before a page fails")
    max_ratio: float = Field(0.005, ge=0, le=1, description="banned words per word")


class BannedWords:
    id: ClassVar[str] = "banned_words"
    Params: ClassVar[type[FilterParams]] = BannedWordsParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = (Threshold("banned_ratio", "max_ratio", "max"),)

    def __init__(self, params: BannedWordsParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.words = banned_words(lang)

    def score(self, doc: Doc) -> Signals:
        if not self.words:
            return {"has_list": 0.0}
        tokens = words((doc.get("text") or "").lower())
        hits = sum(t in self.words for t in tokens)
        return {"has_list": 1.0, "banned": float(hits), "banned_ratio": hits / max(1, len(tokens))}

    def decide(self, s: Signals) -> Verdict:
        if not s["has_list"] or s["banned"] < self.params.min_hits:
            return Keep()
        return first_drop(
            above("banned_words", "banned_ratio", s["banned_ratio"], self.params.max_ratio)
        )
