"""The fineweb preset decides as datatrove 0.10.1 does, filter by filter, on real pages.

The pages are Debian's documentation (LibreOffice help and Debian manuals in 16 EU
languages, tests/data/realpages/README.md): nobody in the project wrote them. datatrove's
filters run with their own tokenizer (spaCy, English, for every language), ours with the
preset's manifests (word_split: spacy_en, no spaCy). bench/fineweb_equivalence.py gives the
same figures on a larger set of the same packages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("datatrove")
pytest.importorskip("spacy")

from tests.filters.datatrove_chain import CHAIN, compare, extract, ours
from tests.realpages import read

PAGES = Path(__file__).resolve().parents[1] / "data" / "realpages" / "pages.tar.xz"


@pytest.fixture(scope="module")
def docs() -> list[tuple[str, str, str]]:
    out = []
    for page, html in read(PAGES):
        text = extract(html)
        if text:
            out.append((page.url, page.lang, text))
    return out


def test_the_set_is_real_and_multilingual(docs):
    assert len(docs) >= 150
    langs = {lang for _, lang, _ in docs}
    assert len(langs) >= 16 and {"de", "el", "pl", "fi", "en"} <= langs


def test_each_filter_decides_as_datatrove(docs):
    result = compare(docs)
    assert result.disagreements == []
    for name in CHAIN:
        seen, same, _, _ = result.per_filter[name]
        assert seen and same == seen, name
    # the set exercises the rules: repetition, quality and C4 each remove pages
    assert all(result.per_filter[name][2] > 0 for name in CHAIN[:3])
    assert result.text_differs == 0  # C4 leaves the same lines
    kept = sum(len(k["datatrove"]) for k in result.kept.values())
    assert kept >= 20
    for lang in result.kept:
        assert result.jaccard(lang) == 1.0, lang


def test_our_own_word_split_would_not(docs):
    """What the preset did before it split words as datatrove does: other decisions
    (bench/fineweb_equivalence.py measures how many against datatrove)."""
    datatroves, before = ours(), ours(word_split="unicode")
    differ = set()
    for _, _, text in docs:
        for name in ("gopher_quality", "gopher_repetition"):
            a, b = datatroves[name], before[name]
            if a.decide(a.score({"text": text})).keep != b.decide(b.score({"text": text})).keep:
                differ.add(name)
    assert "gopher_quality" in differ
