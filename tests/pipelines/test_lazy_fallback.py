"""`fallback: auto` gives, on real pages, the text of trafilatura's precision mode with fallback.

The rule held here: wherever `fallback_may_change` says no, trafilatura's fallback would
have kept its own text, so `auto` returns exactly what `fallback: true` returns, page by
page, while the fallback (readability, 40 % of the CPU) runs on fewer pages. Pages: 16 of
trafilatura's evaluation pages (tests/data/trafilatura_eval, 5 of them pages where the
fallback changes the text) and the 196 Debian documentation pages of tests/data/realpages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leam.pipelines.extract import lazy_fallback
from leam.pipelines.extract.decode import decode_html
from leam.pipelines.extract.extractors import Trafilatura
from leam.pipelines.extract.stage import ExtractParams, build_extractor
from tests.realpages import read as read_debian
from tests.snippet_eval import Counts, TruthPage, load_truth, read_pages, score

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def eval_pages() -> list[tuple[str, str]]:
    """(html, url) of the committed evaluation pages, URLs from the ground truth."""
    raw = read_pages(DATA / "trafilatura_eval" / "pages.tar.xz")
    urls = {t.file: t.url for t in load_truth()}
    return [(decode_html(data, "")[0], urls[name]) for name, data in sorted(raw.items())]


def _texts(fallback, pages: list[tuple[str, str]]) -> list[str]:
    extract = build_extractor(ExtractParams(fallback=fallback, dates=False))
    return [extract(html, url).text for html, url in pages]


def _counting(monkeypatch) -> list[int]:
    runs = [0]
    original = lazy_fallback.compare_extraction

    def counted(*args):
        runs[0] += 1
        return original(*args)

    monkeypatch.setattr(lazy_fallback, "compare_extraction", counted)
    return runs


def test_the_installed_trafilatura_has_what_the_replay_uses():
    # Without them `auto` still gives the right text (the full run), but saves nothing.
    assert lazy_fallback.REPLAY_AVAILABLE


def test_auto_gives_the_fallbacks_text_on_trafilatura_evaluation_pages(eval_pages, monkeypatch):
    full = _texts(True, eval_pages)
    fast = _texts(False, eval_pages)
    runs = _counting(monkeypatch)
    auto = _texts("auto", eval_pages)
    assert auto == full
    # the pages matter: the fallback changes some texts, and auto skips it on most pages
    assert sum(f != a for f, a in zip(fast, full, strict=True)) >= 4
    assert 0 < runs[0] <= len(eval_pages) // 2


def test_auto_gives_the_fallbacks_text_on_debian_pages(monkeypatch):
    pages = [(html, page.url) for page, html in read_debian(DATA / "realpages" / "pages.tar.xz")]
    full = _texts(True, pages)
    runs = _counting(monkeypatch)
    assert _texts("auto", pages) == full
    assert runs[0] < len(pages)


def test_the_replay_is_trafilaturas_sequence_where_the_fallback_runs(eval_pages, monkeypatch):
    # With the fallback run on every page the replay must be bare_extraction(fast=False) itself.
    monkeypatch.setattr(lazy_fallback, "fallback_may_change", lambda *args: True)
    assert _texts("auto", eval_pages) == _texts(True, eval_pages)


def test_auto_is_refused_for_a_sequence_it_does_not_replay():
    with pytest.raises(ValueError, match="favor_precision"):
        Trafilatura(
            favor_precision=False, include_comments=False, include_tables=True,
            deduplicate=False, fallback="auto", dates=False,
        )  # fmt: skip
    with pytest.raises(ValueError, match="fallback"):
        ExtractParams(fallback="sometimes")


def test_the_snippet_metric_on_a_hand_case():
    page = TruthPage("u", "f", with_=("a b", "c d", "e"), without=("x", "y z"))
    assert score("a b ... y z and e", page) == Counts(tp=2, fn=1, fp=1, tn=1)
    assert score(None, page) == Counts(tp=0, fn=3, fp=0, tn=2)  # no text finds nothing
    total = Counts(tp=6, fn=2, fp=3, tn=1)
    assert total.precision() == pytest.approx(6 / 9)
    assert total.recall() == pytest.approx(6 / 8)
    assert total.f1() == pytest.approx(12 / 17)  # 2PR / (P + R) = 2TP / (2TP + FP + FN)
    assert score("a b", page) + score("x", page) == Counts(tp=1, fn=5, fp=1, tn=3)
