from pathlib import Path

import pytest

from leam.corpus.schema import doc_id
from leam.corpus.stage import Context
from leam.pipelines.extract.stage import ExtractParams, ExtractStage
from tests.sample_warc import render_html, sample_pages
from tests.warcs import BROKEN_EXPECTED, build_broken_warc, build_pages_warc, build_wet, pages


def _extract(path: Path, **params) -> tuple[list[dict], Context]:
    stage = ExtractStage(ExtractParams(**params))
    stage.setup()
    ctx = Context("extract")
    return list(stage.run(stage.read(str(path), ctx), ctx)), ctx


def test_pages_become_documents_with_provenance(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    docs, ctx = _extract(path)
    expected = pages()
    assert [d["url"] for d in docs] == [p.url for p in expected]
    for doc, page in zip(docs, expected, strict=True):
        first_paragraph = page.text.split("\n\n")[0]
        assert first_paragraph in doc["text"]
        assert "cookies" not in doc["text"] and "Imprint" not in doc["text"]  # boilerplate gone
        assert doc["title"] == page.title
        assert doc["date"] == "2024-03-15"
        assert doc["domain"] == page.url.split("/")[2]
        assert doc["source"]["warc_file"] == "pages.warc.gz"
        assert doc["id"] == doc_id(doc["url"], doc["source"]["record_id"])
    assert ctx.docs_in == len(expected) and ctx.stats()["docs_rejected"] == 0
    assert ctx.counters == {"records_warcinfo": 1, "records_request": len(expected)}


def test_every_broken_record_is_counted_by_reason(tmp_path: Path):
    path = tmp_path / "broken.warc.gz"
    build_broken_warc(path)
    docs, ctx = _extract(path)
    expected = {k: v for k, v in BROKEN_EXPECTED.items() if k != "kept"}
    assert dict(ctx.rejected) == expected
    assert len(docs) == BROKEN_EXPECTED["kept"]
    assert ctx.docs_in == len(docs) + sum(expected.values())
    reasons = {row["reason"]: row for row in ctx.ledger}
    assert reasons["not_html"]["detail"] in ("image/png", "application/pdf")
    assert reasons["http_status"]["detail"] == "404"
    damaged = reasons["bad_gzip"]
    assert damaged["source"]["offset"] > 0 and damaged["skipped_bytes"] > 0
    stats = ctx.stats()  # every byte of the file: read in a record, or skipped
    assert stats["bytes_read"] + stats["bytes_skipped"] == stats["input_bytes"]
    assert stats["input_bytes"] == path.stat().st_size
    assert stats["bytes_skipped_by_reason"] == {"bad_gzip": damaged["skipped_bytes"]}
    # The cp1250 page and the page with an unknown charset label decode correctly.
    assert all("\ufffd" not in d["text"] for d in docs)
    assert any("ř" in d["text"] for d in docs)


def test_wet_conversion_records_are_documents(tmp_path: Path):
    path = tmp_path / "text.warc.wet.gz"
    build_wet(path)
    docs, ctx = _extract(path)
    assert len(docs) == 2 and all(len(d["text"]) > 100 for d in docs)
    assert ctx.counters == {"records_warcinfo": 1}


def test_time_limit_stops_slow_extraction(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    docs, ctx = _extract(path, timeout_s=1e-6)
    assert docs == [] and set(ctx.rejected) == {"extract_timeout"}


@pytest.mark.parametrize("bad", [{"timeout_s": 0}, {"max_payload_bytes": -1}, {"favour": True}])
def test_bad_params_are_refused(bad):
    with pytest.raises(ValueError):
        ExtractParams(**bad)


def test_prefilter_drops_blocklisted_urls_before_extraction(tmp_path: Path, monkeypatch):
    import dataclasses

    import leam.pipelines.extract.extractors as extractors
    from leam.pipelines.filter import FilterStage, FilterStageParams
    from tests.sample_warc import write_sample_warc

    listed = ["https://www.0-1sex.com/index.html", "https://videos.0-1sex.com/x"]
    sample = pages()
    sample[1] = dataclasses.replace(sample[1], url=listed[0])
    sample[3] = dataclasses.replace(sample[3], url=listed[1])
    path = tmp_path / "mixed.warc.gz"
    write_sample_warc(path, sample)
    calls = []
    real = extractors.trafilatura.bare_extraction
    monkeypatch.setattr(
        extractors.trafilatura, "bare_extraction", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    plain, _ = _extract(path)
    assert len(calls) == len(sample)
    calls.clear()
    docs, ctx = _extract(path, prefilter={"filters": ["url_blocklist"]})
    assert len(calls) == len(sample) - 2  # the listed pages were never extracted
    assert [d["url"] for d in docs] == [d["url"] for d in plain if d["url"] not in listed]
    assert ctx.stats()["rejected_by_reason"] == {"blocklisted_domain": 2}
    # The same ledger row as the filter stage writes for the same page, stage aside.
    stage = FilterStage(FilterStageParams(filters=["url_blocklist"]))
    stage.setup()
    later = Context("filter")
    list(stage.run(iter([dict(d) for d in plain if d["url"] in listed]), later))
    for early, late in zip(ctx.ledger, later.ledger, strict=True):
        assert early["stage"] == "extract" and late["stage"] == "filter"
        for key in ("url", "reason", "detail", "filter_id", "filter_version", "signals"):
            assert early[key] == late[key], key


def test_language_precheck_turns_away_only_certain_non_targets(tmp_path: Path):
    from leam.pipelines.lid.precheck import PrecheckParams

    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    docs, ctx = _extract(path, language_precheck=PrecheckParams())
    plain, _ = _extract(path)
    turned_away = {row["url"]: row for row in ctx.ledger}
    assert turned_away and all(row["reason"] == "language" for row in turned_away.values())
    assert {row["lang"] for row in turned_away.values()} <= {"ru", "zh", "tr"}
    # every page in a target language is still extracted, exactly as without the check
    eu = [d for d in plain if d["url"] not in turned_away]
    assert [d["id"] for d in docs] == [d["id"] for d in eu]
    assert all("before extraction" in row["detail"] for row in turned_away.values())


def test_declared_target_language_is_never_turned_away():
    from leam.pipelines.lid.precheck import LanguagePrecheck, PrecheckParams

    page = sample_pages(["ru"], per_lang=1)[0]
    check = LanguagePrecheck(PrecheckParams())
    as_russian = render_html(page)
    assert check.outside(as_russian.encode(), as_russian)[0] == "ru"
    as_german = as_russian.replace('lang="ru"', 'lang="de"')
    assert check.outside(as_german.encode(), as_german) is None


def test_labels_langid_merges_into_a_target_are_never_outside():
    from leam.pipelines.lid.precheck import LanguagePrecheck, PrecheckParams

    page = render_html(sample_pages(["ru"], per_lang=1)[0]).replace('lang="ru"', "")
    assert LanguagePrecheck(PrecheckParams()).outside(page.encode(), page)[0] == "ru"
    merged = LanguagePrecheck(PrecheckParams(variants=["ru"]))
    assert merged.outside(page.encode(), page) is None


def test_cheap_rendering_drops_menus_and_link_texts_not_the_article():
    from leam.pipelines.lid.precheck import cheap_text

    page = (
        '<html><body><nav><a href="/">News</a></nav><header>Portal</header>'
        "<article><h1>Zprávy</h1><p>Dnes &amp; zítra <b>prší</b>.</p>"
        '<p>Více <a href="/x">Read more</a></p></article><aside>Related</aside>'
        "<footer>(c) Portal</footer><script>var x = 1;</script></body></html>"
    )
    assert cheap_text(page).split() == ["Zprávy", "Dnes", "&", "zítra", "prší", ".", "Více"]


def test_duplicate_payloads_are_extracted_once_per_file(tmp_path: Path):
    from warcio.warcwriter import WARCWriter

    from tests.sample_warc import write_response

    sample = pages()[:3]
    bodies = [(p.url, render_html(p).encode()) for p in sample]
    bodies.append(("https://mirror.example.org/copy.html", bodies[0][1]))  # same payload
    path = tmp_path / "dups.warc.gz"
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, body in bodies:
            write_response(writer, url, body, "text/html; charset=utf-8")
    plain, _ = _extract(path)
    assert len(plain) == 4
    docs, ctx = _extract(path, skip_duplicate_payloads=True)
    assert [d["url"] for d in docs] == [p.url for p in sample]
    (row,) = ctx.ledger
    assert row["reason"] == "duplicate_payload" and row["url"].endswith("/copy.html")
    assert row["detail"].startswith("sha1:") and row["detail"].endswith(f"as {sample[0].url}")


def test_payload_digest_without_header_is_the_writers(tmp_path: Path):
    from warcio.archiveiterator import ArchiveIterator

    from leam.pipelines.extract.warc import Record, _sha1, iter_records

    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    with path.open("rb") as f:
        written = [
            r.rec_headers.get_header("WARC-Payload-Digest")
            for r in ArchiveIterator(f)
            if r.rec_type == "response"
        ]
    records = [r for r in iter_records(str(path), 10**7) if isinstance(r, Record)]
    assert [r.payload_digest for r in records] == written
    assert [_sha1(r.payload) for r in records] == written


def test_fallback_off_skips_readability_and_keeps_the_text(tmp_path: Path, monkeypatch):
    import trafilatura.external as external

    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    calls = []
    real = external.try_readability
    monkeypatch.setattr(external, "try_readability", lambda t: calls.append(1) or real(t))
    full, _ = _extract(path)
    assert len(calls) == len(full) > 0
    calls.clear()
    fast, _ = _extract(path, fallback=False)
    assert calls == []
    assert [d["text"] for d in fast] == [d["text"] for d in full]  # simple pages: same text


def test_resiliparse_extracts_main_text_and_title(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    docs, ctx = _extract(path, extractor="resiliparse")
    expected = pages()
    assert [d["url"] for d in docs] == [p.url for p in expected]
    for doc, page in zip(docs, expected, strict=True):
        for paragraph in page.text.split("\n\n"):
            assert paragraph in doc["text"]
        assert "cookies" not in doc["text"] and "Imprint" not in doc["text"]
        assert doc["title"] == page.title and doc["date"] is None
    assert ctx.stats()["docs_rejected"] == 0


def test_dates_off_leaves_date_empty_and_text_alone(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    with_dates, _ = _extract(path)
    without, _ = _extract(path, dates=False)
    assert {d["date"] for d in with_dates} == {"2024-03-15"}
    assert {d["date"] for d in without} == {None}
    assert [d["text"] for d in without] == [d["text"] for d in with_dates]
