"""leam.filters.spacy_words gives spaCy's English words and sentence counts, without spaCy.

The rules file it ships is what the installed spaCy exports (a spaCy upgrade that changes
them fails here), and on hard cases (contractions, paths, emoticons, abbreviations, URLs,
several scripts) its words and sentence counts are spaCy's, as datatrove gets them.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leam.filters.spacy_words import spacy_english

spacy = pytest.importorskip("spacy")
pytest.importorskip("datatrove")
from datatrove.utils.text import split_into_sentences, split_into_words  # noqa: E402

from tests.filters.spacy_rules import RULES, export  # noqa: E402

HARD = [
    "I don't think it's 5 o'clock yet, isn't it? Can't say.",
    "Edit /etc/apt/sources.list (e.g. with vi) and run `apt-get update`: done.",
    "See https://www.debian.org/doc/ or mail debian-user@lists.debian.org :) thanks!!",
    "z.B. ist das U.S.-Modell 3.5 cm groß; Mrs. Smith's e-mail... ''quoted'' (=) [:]",
    "Il a dit : « l'été arrive » — c'est-à-dire demain ; n'est-ce pas ?",
    "Η Ελλάδα; Ναι. Πόσο κοστίζει; 10€ ή $12.50 (περίπου).",
    "Zażółć gęślą jaźń — 1,000,000 zł!!! V:0 I:1 |---|---| Chr(13) =SUM(A1:B2)",
    "Tab\tseparated\u00a0and  double  spaced -- words -a -f --help 2-3 COVID-19",
    # an affix before a special case, special cases inside affixes, nested affixes
    "(don't) \"can't\" ((a)) (:)) ''Hello'' e.g., U.S.A.) a.:) [i.e.] (z.)",
    # overlapping cases: a rejected one still blocks the next; one across a single space
    # (":) )" spells ":))") changes nothing but blocks; a newline is a token and blocks not
    "a:):) ^.:) ) ' ''word can't;\n:)' ''* x :)\n:)",
]


def fresh():
    """A splitter of its own, with an empty chunk cache: every chunk of the test is split
    here (spacy_english() is shared and may remember chunks of earlier tests)."""
    return spacy_english.__wrapped__()


def test_the_shipped_rules_are_spacys():
    assert json.loads(RULES.read_text(encoding="utf-8")) == export()


@pytest.mark.parametrize("text", HARD)
def test_words_are_spacys(text):
    assert fresh().words(text) == split_into_words(text, "en")


@pytest.mark.parametrize("text", HARD)
def test_sentences_are_the_sentencizers(text):
    assert fresh().sentences(text) == len(split_into_sentences(text, "en"))


def test_repeated_calls_do_not_share_lists():
    splitter = fresh()
    text = "The same text, asked twice."
    first = splitter.words(text)
    first.append("changed")
    assert splitter.words(text) == ["The", "same", "text", ",", "asked", "twice", "."]


def test_the_chunk_cache_starts_again_when_full(monkeypatch):
    from leam.filters import spacy_words

    splitter = fresh()
    monkeypatch.setattr(spacy_words, "CACHE_SIZE", 2)
    assert splitter.words("a b c") == ["a", "b", "c"]
    assert splitter.words("a b") == ["a", "b"]  # 3 chunks cached, more than 2: cleared
    assert set(splitter._cache) == {"a", "b"}
    assert splitter.words("d! e") == ["d", "!", "e"]  # 2 chunks, not more than 2: kept
    assert set(splitter._cache) == {"a", "b", "d!", "e"}


# Pieces that meet in every way when glued together: prefixes and suffixes around special
# cases, infixes at the start and end of a chunk, URLs and emoticons inside punctuation,
# abbreviations that are spaCy's exceptions, and scripts other than Latin.
PIECES = ["don't", "can't", "it's", "U.S.", "e.g.", "Mrs.", "z.B.", "o'clock", ":)", ":-(",
          "<3", "(", ")", "[", "]", '"', "''", "'", "«", "»", "—", "-", "--", "...", "…", ".",
          ",", ";", ":", "!", "?", "/", "=", "+", "%", "$", "€", "12", "3.5", "1,000", "2-3",
          "a", "I", "word", "Wort", "été", "Ελλάδα", "https://www.debian.org/doc/",
          "mail@lists.example.org", "x/y", "a.b", "C++", "#", "@", "&", "*", "~", "^"]  # fmt: skip


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", "", " ", "\n"])),
                max_size=12))  # fmt: skip
def test_glued_pieces_split_as_spacy_splits_them(parts):
    text = "".join(piece + sep for piece, sep in parts)
    assert fresh().words(text) == split_into_words(text, "en"), text
