"""Our Gopher, C4 and FineWeb rules decide as datatrove's do.

datatrove tokenises with spaCy or nltk (not installed here, and the cost we avoid), so its
word and sentence splitters are replaced by ours; everything else is datatrove's own code.
Same words in, same decisions out: on every EU sample text and on a set of junk documents,
each filter keeps the same documents and drops the others for the same reason (and C4
leaves the same text). Where we deliberately differ, the test sets our parameter to
datatrove's behaviour: English-only end punctuation and notice phrases for C4, a top n-gram
counted even when seen once for Gopher repetition.
"""

from __future__ import annotations

import pytest

from leam.corpus.languages import EU24
from leam.filters.c4 import C4Quality, C4QualityParams
from leam.filters.fineweb import EU_TERMINAL, FineWebQuality, FineWebQualityParams
from leam.filters.gopher_quality import GopherQuality, GopherQualityParams
from leam.filters.gopher_repetition import GopherRepetition, GopherRepetitionParams
from leam.filters.text import stop_words, words
from tests.filters.docs import link_list, prose, repeated_lines, spam
from tests.sample_warc import sample_pages

datatrove = pytest.importorskip("datatrove")
from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.filters import (  # noqa: E402
    c4_filters,
    fineweb_quality_filter,
    gopher_quality_filter,
    gopher_repetition_filter,
)


def _docs() -> list[tuple[str, str]]:
    docs = [(p.text, p.lang) for p in sample_pages([lang for lang in EU24 if lang != "en"])]
    docs += [(p.text, "en") for p in sample_pages(["en"])]
    for lang in ("de", "fr", "pl", "el"):
        docs += [
            (repeated_lines(lang), lang),
            ("\n\n".join([prose(lang)] * 3), lang),
            (prose(lang) + "\nLorem ipsum dolor sit amet, consectetur.", lang),
            (prose(lang) + "\nvar x = {a: 1}; geht so.", lang),
            ("\n".join(f"- {line}" for line in prose(lang).split(". ")), lang),
        ]
    docs += [(link_list(), "de"), (spam(), "en"), (" ".join(["#tag word"] * 60), "en")]
    return docs


DOCS = _docs()


def _datatrove_verdict(result) -> str:
    return "keep" if result is True else result[1]


def _ours(verdict) -> str:
    return "keep" if verdict.keep else verdict.reason


GOPHER_Q = {
    "gopher_short_doc": "too_few_words", "gopher_long_doc": "too_many_words",
    "gopher_below_avg_threshold": "words_too_short", "gopher_above_avg_threshold": "words_too_long",
    "gopher_too_many_hashes": "too_many_hashes", "gopher_too_many_ellipsis": "too_many_ellipses",
    "gopher_too_many_bullets": "too_many_bullet_lines",
    "gopher_too_many_end_ellipsis": "too_many_ellipsis_lines",
    "gopher_below_alpha_threshold": "too_few_alphabetic_words",
    "gopher_enough_stop_words": "too_few_stop_words",
}  # fmt: skip


def test_gopher_quality_agrees(monkeypatch):
    monkeypatch.setattr(gopher_quality_filter, "split_into_words", lambda t, lang: words(t.lower()))
    for text, lang in DOCS:
        theirs = gopher_quality_filter.GopherQualityFilter(stop_words=sorted(stop_words(lang)))
        ours = GopherQuality(GopherQualityParams(), lang)
        expected = _datatrove_verdict(theirs.filter(Document(text=text, id="x")))
        assert _ours(ours.decide(ours.score({"text": text}))) == GOPHER_Q.get(expected, expected)


def _repetition_reason(reason: str) -> str:
    fixed = {"dup_para_frac": "duplicate_paragraphs", "dup_para_char_frac":
             "duplicate_paragraph_chars", "dup_line_frac": "duplicate_lines",
             "dup_line_char_frac": "duplicate_line_chars"}  # fmt: skip
    if reason in fixed:
        return fixed[reason]
    if reason.startswith("top_"):
        return f"top_{reason.split('_')[1]}gram_too_frequent"
    if reason.startswith("duplicated_"):
        return f"duplicate_{reason.split('_')[1]}grams"
    return reason


def test_gopher_repetition_agrees(monkeypatch):
    monkeypatch.setattr(gopher_repetition_filter, "split_into_words", lambda t, lang: words(t))
    theirs = gopher_repetition_filter.GopherRepetitionFilter()
    ours = GopherRepetition(GopherRepetitionParams(min_top_ngram_count=1), "en")
    dropped = 0
    for text, _ in DOCS:
        expected = _repetition_reason(
            _datatrove_verdict(theirs.filter(Document(text=text, id="x")))
        )
        assert _ours(ours.decide(ours.score({"text": text}))) == expected, text[:80]
        dropped += expected != "keep"
    assert dropped >= 10  # the junk documents exercise the rules


def test_c4_agrees_on_decisions_and_text(monkeypatch):
    params = C4QualityParams(end_punctuation=[".", "?", "!", '"', "'"])
    ours = C4Quality(params, "en")
    monkeypatch.setattr(
        c4_filters, "split_into_sentences",
        lambda line, lang: [""] * max(1, len(ours.sentence_end.findall(line))),
    )  # fmt: skip
    theirs = c4_filters.C4QualityFilter()
    for text, _ in DOCS:
        document = Document(text=text, id="x")
        expected = _datatrove_verdict(theirs.filter(document))
        assert _ours(ours.decide(ours.score({"text": text}))) == expected, text[:80]
        if expected == "keep":
            assert ours.rewrite({"text": text})[0] == document.text


FINEWEB = {"line_punct_ratio": "too_few_punctuated_lines", "short_line_ratio":
           "too_many_short_lines", "char_dup_ratio": "repeated_line_chars",
           "list_ratio": "too_many_line_breaks"}  # fmt: skip


def test_fineweb_agrees(monkeypatch):
    monkeypatch.setattr(fineweb_quality_filter, "split_into_words", lambda t, lang: words(t))
    theirs = fineweb_quality_filter.FineWebQualityFilter(stop_chars=tuple(EU_TERMINAL))
    ours = FineWebQuality(FineWebQualityParams(), "en")
    for text, _ in DOCS:
        expected = _datatrove_verdict(theirs.filter(Document(text=text, id="x")))
        assert _ours(ours.decide(ours.score({"text": text}))) == FINEWEB.get(expected, expected)
