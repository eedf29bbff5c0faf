"""The audit's overview, triggers and size, on their own: a run record built in the test
(24 languages, 10 filters, dedup), and texts from the bundled sample pages.

The end-to-end report on a real run is tests/test_filter_audit.py (HTML structure) and
tests/test_audit_browser.py (rendered in Chromium).
"""

from __future__ import annotations

import random

import pytest

from leam.corpus.audit import overview
from leam.corpus.audit.collect import Audit, Borderline, Distribution, FilterAudit, Sample
from leam.corpus.audit.report_html import render_html
from leam.corpus.audit.report_md import render_markdown
from leam.corpus.audit.triggers import locate, placeholders, window
from leam.corpus.languages import EU24
from leam.filters.manifest import load_set
from tests.filters.docs import doc, link_list, prose, repeated_lines

LANGS = list(EU24)
FILTER_IDS = [f"filter_{i}" for i in range(10)]


def _audit(harsh: dict[tuple[str, str], int], per_lang: int = 1000, samples: int = 5) -> Audit:
    """A run of per_lang documents per language through langid, 10 filters and dedup; each
    filter removes 2 % of every language, except where `harsh` gives another count."""
    rng = random.Random(0)
    filters, current = [], dict.fromkeys(LANGS, per_lang)
    for fid in FILTER_IDS:
        f = FilterAudit(
            {
                "id": fid,
                "version": 1,
                "sha256": "0" * 64,
                "category": "quality",
                "action": "drop",
                "params": {},
                "text": f"id: {fid}\nversion: 1\n",
            },
            "filter",
        )
        for lang in LANGS:
            gone = harsh.get((fid, lang), current[lang] // 50)
            f.by_lang[lang] = {"in": current[lang], "removed": gone}
            f.reasons_by_lang[lang] = {"too_few_words": gone}
            current[lang] -= gone
        f.reasons = {"too_few_words": sum(c["removed"] for c in f.by_lang.values())}
        text = " ".join(rng.choice(["alpha", "beta", "γάμμα", "delta"]) for _ in range(80))
        f.samples = [
            Sample("https://example.eu/a", "de", "too_few_words", "words=3 < 50", text, [])
            for _ in range(samples)
        ]
        f.borderline = [
            Borderline("https://example.eu/b", "fi", "words", "min", 51, 50, text) for _ in range(3)
        ]
        f.distributions = [
            Distribution(
                "words", "min_words", "min", 50, [rng.expovariate(0.01) for _ in range(50_000)]
            )
        ]
        filters.append(f)
    after = dict(current)
    dedup = {lang: {"duplicate": n // 100} for lang, n in after.items()}
    kept = {lang: n - dedup[lang]["duplicate"] for lang, n in after.items()}
    n_all = per_lang * len(LANGS)
    stages = {
        "extract": {
            "docs_in": n_all,
            "docs_out": n_all,
            "docs_rejected": 0,
            "out_by_lang": {"und": n_all},
            "rejected_by_lang": {},
        },
        "langid": {
            "docs_in": n_all,
            "docs_out": n_all,
            "docs_rejected": 0,
            "out_by_lang": dict.fromkeys(LANGS, per_lang),
            "rejected_by_lang": {},
        },
        "filter": {
            "docs_in": n_all,
            "docs_out": sum(after.values()),
            "docs_rejected": n_all - sum(after.values()),
            "out_by_lang": after,
            "rejected_by_lang": {},
        },
        "dedup": {
            "docs_in": sum(after.values()),
            "docs_out": sum(kept.values()),
            "docs_rejected": sum(after.values()) - sum(kept.values()),
            "out_by_lang": kept,
            "rejected_by_lang": dedup,
        },
    }
    record = {
        "run_id": "synthetic",
        "created": "2026-01-01",
        "stages": stages,
        "code_version": {"leam": "0", "git_commit": "x"},
        "pipeline_sha256": "f" * 64,
    }
    recon = [
        {
            "stage": k,
            "in": s["docs_in"],
            "out": s["docs_out"],
            "rejected": s["docs_rejected"],
            "reconciled": True,
        }
        for k, s in stages.items()
    ]
    return Audit("synthetic", record, filters, recon)


def test_funnel_conserves_documents_and_flags_the_harsh_cell():
    audit = _audit({("filter_3", "mt"): 300})
    view = overview.build(audit, flag_points=10)
    assert [s.name for s in view.steps] == ["langid", *FILTER_IDS, "dedup"]
    for lang in LANGS:
        removed = sum(s.removed.get(lang, 0) for s in view.steps)
        assert view.start[lang] - removed == view.kept[lang]
    assert view.langs[0] == "mt"  # least kept first
    assert [(f.lang, f.step) for f in view.flags] == [("mt", "filter_3")]
    flag = view.flags[0]
    assert flag.median == pytest.approx(2.0, abs=0.1) and flag.diff > 25
    assert flag.reason == "too_few_words"
    lang, step = view.lost_most()
    assert lang == "mt" and step is not None and step.name == "filter_3"
    # The reviewer's threshold: 40 points flags nothing.
    assert overview.build(audit, flag_points=40).flags == []


def test_report_of_24_languages_and_10_filters_stays_small():
    """The issue's bound: one self-contained file, at most 2 MB for 24 languages and 10
    filters (50,000 signal values each: the histograms' size does not grow with them)."""
    audit = _audit({("filter_3", "mt"): 300})
    view = overview.build(audit)
    page = render_html(audit, view)
    assert len(page.encode()) < 2_000_000
    assert page.count("<details class='filter'") == 10
    md = render_markdown(audit, view)
    assert md.index("## Overview") < md.index("## Reconciliation") < md.index("## Filters")


@pytest.fixture(scope="module")
def manifests():
    return load_set()


def test_repeated_lines_are_marked(manifests):
    text = repeated_lines("fr")
    m = manifests["gopher_repetition"]
    f = m.filter(m.params_for("fr"), "fr")
    verdict = f.decide(f.score(doc(text, "fr")))
    assert not verdict.keep
    marks = locate(m, "fr", text, verdict.reason)
    first = text.split("\n")[0]
    assert marks and all(text[k.start : k.end] in first for k in marks)
    assert all(k.label.startswith("repeated") for k in marks)


def test_c4_marks_the_lines_its_rules_remove(manifests):
    text = "Dies ist ein ganzer Satz mit einem Punkt am Ende.\n" + link_list()
    m = manifests["c4_quality"]
    marks = locate(m, "de", text, "too_few_sentences")
    marked = {text[k.start : k.end] for k in marks}
    assert "Dies ist ein ganzer Satz mit einem Punkt am Ende." not in marked
    assert marked and marked <= set(link_list().split("\n"))


def test_fineweb_marks_short_lines(manifests):
    text = prose("de") + "\n" + link_list()
    m = manifests["fineweb_quality"]
    marks = locate(m, "de", text, "too_many_short_lines")
    assert marks and all(len(text[k.start : k.end]) <= 30 for k in marks)


def test_a_count_over_the_whole_text_has_no_mark(manifests):
    assert locate(manifests["gopher_quality"], "de", prose("de"), "too_few_words") == []


def test_redacted_spans_and_the_window_keep_offsets_true():
    text = prose("de") + "\n\nMail: <EMAIL>, Tel. <PHONE>."
    marks = placeholders(text, "<{category}>")
    assert [k.label for k in marks] == ["EMAIL", "PHONE"]
    snippet, inside = window(text, marks)
    assert [snippet[k.start : k.end] for k in inside] == ["<EMAIL>", "<PHONE>"]
    assert len(snippet) <= 360
