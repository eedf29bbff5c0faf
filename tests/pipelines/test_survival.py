"""Turning away, before extraction, pages that cannot pass gopher_quality: never a page
that the filter stage would keep, shown on real pages (Debian's documentation,
tests/data/realpages/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from trafilatura.utils import load_html

from leam.corpus.stage import Context
from leam.pipelines.extract.stage import ExtractStage
from leam.pipelines.extract.survival import SurvivalParams, SurvivalPrecheck, page_texts
from leam.pipelines.filter import FilterStage
from leam.pipelines.presets import load_pipeline, parse_pipeline
from tests.realpages import to_warc

PAGES = Path(__file__).resolve().parents[1] / "data" / "realpages" / "pages.tar.xz"
STOP = ["the", "be", "to", "of", "and", "that", "have", "with"]


def _run(stage, path: Path) -> tuple[list[dict], Context]:
    stage.setup()
    ctx = Context(stage.name)
    return list(stage.run(stage.read(str(path), ctx), ctx)), ctx


def _filtered(filter_stage: FilterStage, docs: list[dict]) -> list[str]:
    ctx = Context("filter")
    return [d["id"] for d in filter_stage.run(iter([dict(d) for d in docs]), ctx)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    warc = tmp_path_factory.mktemp("real") / "pages.warc.gz"
    to_warc(PAGES, warc)
    fineweb = load_pipeline("fineweb")
    extract, filters = fineweb.stages[0].params, fineweb.stages[2].params
    assert extract.survival_precheck is not None  # the preset turns pages away
    plain_params = extract.model_copy(update={"survival_precheck": None})
    checked, checked_ctx = _run(ExtractStage(extract), warc)
    plain, _ = _run(ExtractStage(plain_params), warc)
    chain = FilterStage(filters)
    chain.setup()
    return {
        "checked": checked,
        "ctx": checked_ctx,
        "plain": plain,
        "kept_checked": _filtered(chain, checked),
        "kept_plain": _filtered(chain, plain),
        "check": SurvivalPrecheck(extract.survival_precheck),
    }


def test_same_kept_set_on_real_pages_with_most_pages_unextracted(runs):
    turned_away = [r for r in runs["ctx"].ledger if r.get("filter_id") == "gopher_quality"]
    assert len(turned_away) > len(runs["plain"]) / 3  # the check is worth its cost here
    assert runs["kept_checked"] == runs["kept_plain"] and len(runs["kept_plain"]) >= 20
    by_id = {d["id"]: d for d in runs["checked"]}
    for doc in runs["plain"]:  # the pages extracted either way have the same text
        if doc["id"] in by_id:
            assert by_id[doc["id"]]["text"] == doc["text"]
    row = turned_away[0]
    assert row["stage"] == "extract" and row["filter_version"] == 2
    assert row["reason"] in ("too_few_words", "too_few_stop_words")
    assert "before extraction" in row["detail"]


def test_extracted_text_stays_within_the_bounds_on_every_real_page(runs):
    gopher = runs["check"].gopher
    from tests.realpages import read

    html_by_url = {page.url: html for page, html in read(PAGES)}
    for doc in runs["plain"]:
        n, stop = gopher.counted_words(doc["text"])
        bound_n, bound_stop = runs["check"].bounds(load_html(html_by_url[doc["url"]]))
        assert n <= bound_n and stop <= bound_stop, doc["url"]


def _check(min_words: int, min_stop_words: int) -> SurvivalPrecheck:
    """datatrove's rules (words and case as its spaCy tokenizer has them) with these minimums."""
    return SurvivalPrecheck(
        SurvivalParams(
            filter_version=1,
            min_words=min_words,
            stop_words=STOP,
            min_stop_words=min_stop_words,
            stop_words_ignore_case=False,
            word_split="spacy_en",
        )
    )


def test_inline_nodes_run_together_and_script_is_left_out():
    tree = load_html(
        "<html><body><p>Read <b>th</b>e manual and <i>wi</i>th care.</p>"
        "<script>var the_and = 1;</script><p>Soft\xadhyphen</p></body></html>"
    )
    lines, run_together = page_texts(tree)
    assert "var" not in lines and "the manual" in run_together
    assert "Softhyphen" in run_together  # removed as trafilatura removes it
    check = _check(min_words=3, min_stop_words=3)
    assert check.bounds(tree)[1] == {"the", "and", "with"}
    assert check.cannot_survive(tree) is None


def test_pages_short_of_words_or_stop_words_cannot_survive():
    check = _check(min_words=5, min_stop_words=2)
    short = load_html("<html><body><p>Only three words</p><p>here.</p></body></html>")
    assert check.cannot_survive(short) == ("too_few_words", {"words": 4.0})
    german = load_html("<html><body><p>Die Tabelle zeigt alle Werte der Spalte.</p></body></html>")
    assert check.cannot_survive(german) == ("too_few_stop_words", {"stop_words": 0.0})


def _pipeline(filters: str, extra: str = "") -> str:
    return f"""
name: t
stages:
  - stage: extract
    params: {{survival_precheck: {{}}}}
  - stage: filter
    params: {{filters: {filters}{extra}}}
"""


@pytest.mark.parametrize(
    ("filters", "extra", "message"),
    [
        ("[url_blocklist]", "", "has no gopher_quality"),
        ("[pii_redaction, gopher_quality]", "", "pii_redaction rewrites text"),
        ("[c4_quality, gopher_quality]", "", "c4_quality rewrites text"),
        ("[gopher_quality]", ", annotate_only: true", "must drop"),
    ],
)
def test_refused_where_it_could_turn_away_a_page_the_filters_keep(filters, extra, message):
    with pytest.raises(ValueError, match=message):
        parse_pipeline(_pipeline(filters, extra), "t.yaml")


def test_bundled_manifests_give_the_most_lenient_word_minimum():
    """eu24's manifests: per-language stop words, so only the word rule applies."""
    params = parse_pipeline(_pipeline("[gopher_quality]"), "t.yaml").stages[0].params
    rules = params.survival_precheck
    assert rules.stop_words is None and rules.min_stop_words is None
    assert rules.min_words is not None and rules.word_split == "unicode"
