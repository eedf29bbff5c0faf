"""The fineweb preset decides as datatrove 0.10.1 does, filter by filter, on real pages.

The pages are Debian's documentation (LibreOffice help and Debian manuals in 16 EU
languages, tests/data/realpages/README.md): nobody in the project wrote them. datatrove's
filters run with their own tokenizer (spaCy, English, for every language), ours with the
preset's manifests (word_split: spacy_en, no spaCy). bench/fineweb_equivalence.py gives the
same figures on a larger set of the same packages.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest

pytest.importorskip("datatrove")
pytest.importorskip("spacy")

from datatrove.data import Document
from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter

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

# Each Gopher signal equals datatrove's, value for value. Agreeing on keep or drop at the
# default limits leaves room for a signal computed wrongly but on the same side of its limit.
# Here each signal is pinned at its boundary against datatrove's own code: datatrove's
# filter, with only that limit enabled and set to our value, keeps the page; with the limit
# one step past our value (the next float, or one word more) it drops it for that reason.
# Besides the real pages, a few written texts reach the rules the documentation never trips
# (hashes, ellipses, bullets, repeated lines).

WRITTEN = [
    "# Install\n# Build\n# Run the tests of the project before you push anything\n" * 3,
    "Wait for it... the results come later... and later still…\nThen it ends...\n" * 2,
    "- first item of the list\n- second item of the list\n• third one\nA closing line.\n",
    "The same line again.\nThe same line again.\nThe same line again.\nAnother one.\n\n"
    "A paragraph that repeats.\n\nA paragraph that repeats.\n\nThe end of the text.",
    "one two three four five six one two three four five six one two three four five six "
    "seven eight nine ten eleven twelve the end",
]


@pytest.fixture(scope="module")
def texts(docs) -> list[str]:
    return [text for _, _, text in docs if len(text.split()) >= 5] + WRITTEN


@functools.cache
def _datatrove_words(text: str, lang: str) -> tuple[str, ...]:
    from datatrove.utils.text import split_into_words

    return tuple(split_into_words(text, lang))


@pytest.fixture(autouse=True)
def _tokenize_once(monkeypatch):
    """datatrove tokenises with spaCy on every call; the same text gives the same words, so
    each text is tokenised once (the words are datatrove's, only cached)."""
    from datatrove.pipeline.filters import gopher_quality_filter, gopher_repetition_filter

    for module in (gopher_quality_filter, gopher_repetition_filter):
        monkeypatch.setattr(module, "split_into_words",
                            lambda t, lang: list(_datatrove_words(t, lang)))  # fmt: skip


def _verdict(flt, text: str) -> str:
    result = flt.filter(Document(text=text, id="x"))
    return "keep" if result is True else result[1]


QUALITY_OFF = dict(min_doc_words=None, max_doc_words=None, min_avg_word_length=None,
                   max_avg_word_length=None, max_symbol_word_ratio=None,
                   max_bullet_lines_ratio=None, max_ellipsis_lines_ratio=None,
                   max_non_alpha_words_ratio=None, min_stop_words=None)  # fmt: skip


def _quality(**limit) -> GopherQualityFilter:
    return GopherQualityFilter(**{**QUALITY_OFF, **limit})


def _quality_bounds(s: dict[str, float]):
    """(datatrove limit at our value, limit one step past it, datatrove's reason)."""
    words, mean = s["words"], s["mean_word_length"]
    yield {"min_doc_words": words}, {"min_doc_words": words + 1}, "gopher_short_doc"
    if words > 1:
        yield {"max_doc_words": words}, {"max_doc_words": words - 1}, "gopher_long_doc"
    if words:
        yield ({"min_avg_word_length": mean}, {"min_avg_word_length": math.nextafter(mean, 99)},
               "gopher_below_avg_threshold")  # fmt: skip
        yield ({"max_avg_word_length": mean}, {"max_avg_word_length": math.nextafter(mean, 0)},
               "gopher_above_avg_threshold")  # fmt: skip
    symbols = max(s["hash_ratio"], s["ellipsis_ratio"])
    if symbols:
        hashes = s["hash_ratio"] == symbols
        reason = "gopher_too_many_hashes" if hashes else "gopher_too_many_ellipsis"
        yield ({"max_symbol_word_ratio": symbols},
               {"max_symbol_word_ratio": math.nextafter(symbols, 0)}, reason)  # fmt: skip
    for ours_name, theirs, reason in [
        ("bullet_lines_ratio", "max_bullet_lines_ratio", "gopher_too_many_bullets"),
        ("ellipsis_lines_ratio", "max_ellipsis_lines_ratio", "gopher_too_many_end_ellipsis"),
    ]:
        if s[ours_name]:
            yield {theirs: s[ours_name]}, {theirs: math.nextafter(s[ours_name], 0)}, reason
    alpha = s["alpha_words_ratio"]
    yield ({"max_non_alpha_words_ratio": alpha},
           {"max_non_alpha_words_ratio": math.nextafter(alpha, 2)}, "gopher_below_alpha_threshold")
    yield ({"min_stop_words": s["stop_words"]}, {"min_stop_words": s["stop_words"] + 1},
           "gopher_enough_stop_words")  # fmt: skip


def _pinned(texts: list[str], name: str, bounds, theirs) -> set[str]:
    """Each of our signals at its boundary in datatrove's filter (built by `theirs` from the
    limits given, every other limit off): kept at our value, dropped one step past it for
    that rule's reason. The rules reached past their boundary."""
    mine = ours()[name]
    checked = set()
    for text in texts:
        for at, past, reason in bounds(mine.score({"text": text})):
            assert _verdict(theirs(**at), text) == "keep", (reason, at, text[:80])
            assert _verdict(theirs(**past), text) == reason, (reason, past, text[:80])
            checked.add(reason)
    return checked


def test_gopher_quality_signals_equal_datatroves(texts):
    assert len(_pinned(texts, "gopher_quality", _quality_bounds, _quality)) == 10


REPETITION_OFF = dict(dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None,
                      dup_para_char_frac=None, top_n_grams=(), dup_n_grams=())  # fmt: skip
LINES = ("dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac")


def _repetition_bounds(s: dict[str, float]):
    for name in LINES:
        if s[name]:
            yield {name: s[name]}, {name: math.nextafter(s[name], 0)}, name
    for key, value in s.items():
        kind, _, rest = key.partition("_")
        if kind not in ("top", "dup") or not rest.endswith("gram_char_frac"):
            continue
        n = int(rest.removesuffix("gram_char_frac"))
        if kind == "top" and not value:
            continue  # datatrove skips a size with no n-gram (a text shorter than n words)
        field = "top_n_grams" if kind == "top" else "dup_n_grams"
        reason = f"top_{n}_gram" if kind == "top" else f"duplicated_{n}_n_grams"
        yield {field: ((n, value),)}, {field: ((n, math.nextafter(value, -1)),)}, reason


def _repetition(**limits) -> GopherRepetitionFilter:
    return GopherRepetitionFilter(**{**REPETITION_OFF, **limits})


def test_gopher_repetition_signals_equal_datatroves(texts):
    checked = _pinned(texts, "gopher_repetition", _repetition_bounds, _repetition)
    expected = set(LINES) | {f"top_{n}_gram" for n in (2, 3, 4)} | {
        f"duplicated_{n}_n_grams" for n in range(5, 11)}
    assert checked == expected
