"""The fineweb preset's manifests (pipelines/presets/fineweb/manifests/) are datatrove's
defaults, and with them our filters decide as datatrove's do with its own tokeniser.

Also the parameters that make that possible: one stop-word list for every language, matched
with or without case.
"""

from __future__ import annotations

import pytest

from leam.corpus.languages import EU24
from leam.filters.gopher_quality import GopherQuality, GopherQualityParams
from leam.filters.manifest import load_set
from leam.pipelines.presets import presets_dir
from tests.filters.docs import doc, link_list, prose, repeated_lines, spam
from tests.sample_warc import sample_pages

datatrove = pytest.importorskip("datatrove")
from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.filters import (  # noqa: E402
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    c4_filters,
)
from datatrove.utils.text import TERMINAL_PUNCTUATION  # noqa: E402

GOPHER_EN = ["the", "be", "to", "of", "and", "that", "have", "with"]
CHAIN = ["gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"]


@pytest.fixture(scope="module")
def fineweb():
    return load_set(presets_dir() / "fineweb" / "manifests")


def test_the_manifests_hold_datatroves_defaults(fineweb):
    assert sorted(fineweb) == sorted(["url_blocklist", *CHAIN])
    assert all(not m.languages for m in fineweb.values())  # one value for every language
    g = fineweb["gopher_quality"].params
    theirs = GopherQualityFilter()
    assert set(g.stop_words) == theirs.stop_words and not g.stop_words_ignore_case
    assert (g.min_words, g.max_words, g.min_stop_words) == (
        theirs.min_doc_words, theirs.max_doc_words, theirs.min_stop_words
    )  # fmt: skip
    assert (g.min_mean_word_length, g.max_mean_word_length) == (3, 10)
    assert g.min_alpha_words_ratio == theirs.max_non_alpha_words_ratio
    r = fineweb["gopher_repetition"].params
    rep = GopherRepetitionFilter()
    assert r.min_top_ngram_count == 1
    assert r.max_top_ngram_char_frac == dict(rep.top_n_grams)
    assert r.max_dup_ngram_char_frac == dict(rep.dup_n_grams)
    c4 = fineweb["c4_quality"].params
    assert tuple(c4.end_punctuation) == c4_filters.END_PUNCTUATION
    assert c4.policy_phrases == c4_filters.POLICY_SUBSTRINGS
    assert c4.min_sentences == C4QualityFilter().min_num_sentences
    fw = fineweb["fineweb_quality"].params
    assert set(fw.stop_chars) == TERMINAL_PUNCTUATION
    assert (fw.min_punct_lines_ratio, fw.max_short_lines_ratio) == (0.12, 0.67)
    assert FineWebQualityFilter().stop_chars == tuple(TERMINAL_PUNCTUATION)


@pytest.mark.parametrize("lang", ["de", "fr", "cs"])
def test_english_stop_words_drop_prose_that_has_none(lang):
    text = prose(lang)
    own = GopherQuality(GopherQualityParams(), lang)
    english = GopherQuality(GopherQualityParams(stop_words=GOPHER_EN), lang)
    assert own.decide(own.score(doc(text, lang))).keep
    verdict = english.decide(english.score(doc(text, lang)))
    assert not verdict.keep and verdict.reason == "too_few_stop_words"


def test_stop_words_match_case_only_when_asked():
    text = " ".join(["The committee gathered yesterday afternoon. Be patient, friends."] * 9)
    lower = GopherQuality(GopherQualityParams(stop_words=GOPHER_EN), "lt")
    cased = GopherQuality(
        GopherQualityParams(stop_words=GOPHER_EN, stop_words_ignore_case=False), "lt"
    )
    assert lower.score(doc(text, "lt"))["stop_words"] == 2  # "the", "be"
    assert cased.score(doc(text, "lt"))["stop_words"] == 0
    assert cased.decide(cased.score(doc(text, "lt"))).reason == "too_few_stop_words"


def _docs() -> list[tuple[str, str]]:
    docs = [(p.text, p.lang) for p in sample_pages(list(EU24))]
    for lang in ("de", "pl", "el"):
        docs += [
            (repeated_lines(lang), lang),
            ("\n\n".join([prose(lang)] * 3), lang),
            (prose(lang) + "\nLorem ipsum dolor sit amet, consectetur.", lang),
            ("\n".join(f"- {line}" for line in prose(lang).split(". ")), lang),
        ]
    return [*docs, (link_list(), "de"), (spam(), "en")]


def test_the_chain_decides_as_datatrove_with_its_tokeniser(fineweb):
    """datatrove's own filters, spaCy's English tokeniser and all, on every EU sample text."""
    pytest.importorskip("spacy")
    theirs = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(),
              FineWebQualityFilter()]  # fmt: skip
    docs = _docs()
    kept = 0
    for text, lang in docs:
        document = Document(text=text, id="x")
        expected = all(f.filter(document) is True for f in theirs)
        d = doc(text, lang)
        for m in (fineweb[i] for i in CHAIN):
            f = m.filter(m.params_for(lang), lang)
            if not f.decide(f.score(d)).keep:
                break
            if hasattr(f, "rewrite"):
                d["text"] = f.rewrite(d)[0]
        else:
            kept += 1
            assert expected and d["text"] == document.text, (lang, text[:80])
            continue
        assert not expected, (lang, text[:80])
    assert 0 < kept < len(docs) / 2  # English stop words remove most non-English prose
