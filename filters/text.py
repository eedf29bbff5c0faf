"""Words, lines and per-language word lists: the text primitives every quality filter shares.

All 24 EU languages separate words with spaces, so a word is a run of Unicode word
characters (`\\w+`, which covers Latin, Greek and Cyrillic letters). Apostrophes and hyphens
split words: French and Italian elided articles (l', d', dell'), Irish and Maltese prefixed
articles (t-, il-) then count as the stop words they are. One compiled regex does the work
in C, which is why these filters cost microseconds where spaCy tokenisation costs
milliseconds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from importlib import resources
from typing import Literal

WORD_RE = re.compile(r"\w+")
# A token with no letter in it: a number (digits, maybe an underscore).
NUMBER_RE = re.compile(r"(?<!\w)[\d_]+(?!\w)")


# "unicode": runs of word characters (above). "spacy_en": datatrove's default, spaCy's English
# tokenizer, whose words include punctuation marks (leam.filters.spacy_words); only the
# fineweb preset uses it, to decide as datatrove does.
WordSplit = Literal["unicode", "spacy_en"]


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def word_splitter(split: WordSplit) -> Callable[[str], list[str]]:
    if split == "unicode":
        return words
    from leam.filters.spacy_words import spacy_english

    return spacy_english().words


def count_numbers(text: str) -> int:
    """Words that hold no letter (2024, 3_000): Gopher's 'non-alphabetic words'."""
    return len(NUMBER_RE.findall(text))


def nonempty_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def word_list(folder: str, lang: str) -> frozenset[str]:
    """filters/data/<folder>/<lang>.txt, lower case, one word a line (`#` comments); empty
    when the language has no list."""
    path = resources.files("leam.filters") / "data" / folder / f"{lang}.txt"
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


@functools.lru_cache(maxsize=64)
def stop_words(lang: str) -> frozenset[str]:
    """The language's most frequent function words (filters/data/stopwords/<lang>.txt)."""
    return word_list("stopwords", lang)
