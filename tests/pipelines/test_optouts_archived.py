"""Opt-outs archived in WARC responses of any origin: each header and meta signal reserves
its page at extract time, for our token and for the AI tokens of the opt-out manifest."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leam.corpus.stage import Context
from leam.pipelines.extract.stage import ExtractParams, ExtractStage
from leam.pipelines.extract.warc import Record, iter_records
from tests.sample_warc import render_html, sample_pages

# (extra response headers, extra <head> markup, expected signal or None, expected token)
CASES = [
    ([("tdm-reservation", "1")], "", "tdm_header", None),
    ([("TDM-Reservation", "0")], "", None, None),  # explicitly not reserved
    ([("X-Robots-Tag", "noai")], "", "x_robots_noai", None),
    ([("X-Robots-Tag", "GPTBot: noai, noimageai")], "", "x_robots_noai", "GPTBot"),
    ([("X-Robots-Tag", "otherbot: noai")], "", None, None),  # names nobody on our list
    ([("X-Robots-Tag", "noimageai")], "", None, None),  # images only; we keep text
    ([], '<meta name="tdm-reservation" content="1">', "tdm_meta", None),
    ([], '<meta name="robots" content="noindex, noai">', "meta_robots_noai", None),
    ([], '<meta name="ccbot" content="noai">', "meta_robots_noai", "CCBot"),
    ([], '<meta name="description" content="about noai art">', None, None),
    ([], "", None, None),
]


def _write_warc(path: Path) -> list[str]:
    """A foreign crawler's WARC: one response per case, with the case's headers and meta."""
    urls = []
    pages = sample_pages(["de"], per_lang=len(CASES))
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for page, (headers, head, _, _) in zip(pages, CASES, strict=True):
            html = render_html(page).replace("</head>", f"{head}</head>").encode()
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), *headers],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                page.url, "response", payload=io.BytesIO(html), http_headers=http
            )
            writer.write_record(record)
            urls.append(page.url)
    return urls


def test_records_keep_their_http_headers(tmp_path: Path):
    path = tmp_path / "foreign.warc.gz"
    _write_warc(path)
    records = [r for r in iter_records(str(path), 1 << 20) if isinstance(r, Record)]
    assert ("tdm-reservation", "1") in records[0].http_headers
    assert ("X-Robots-Tag", "GPTBot: noai, noimageai") in records[3].http_headers


def test_each_archived_signal_reserves_its_page(tmp_path: Path):
    path = tmp_path / "foreign.warc.gz"
    urls = _write_warc(path)
    stage = ExtractStage(ExtractParams(fallback=False))
    stage.setup()
    ctx = Context("extract")
    kept = {d["url"] for d in stage.run(stage.read(str(path), ctx), ctx)}
    rows = {r["url"]: r for r in ctx.ledger}
    for url, (_, _, signal, token) in zip(urls, CASES, strict=True):
        if signal is None:
            assert url in kept, url
            continue
        row = rows[url]
        assert row["reason"] == "tdm_reservation"
        assert row["detail"].startswith(f"{signal} source=archived")
        assert ("token=" + token in row["detail"]) if token else "token=" not in row["detail"]
        assert "date=20" in row["detail"]  # the record's WARC-Date
    expected = [c[2] for c in CASES if c[2]]
    assert sum(ctx.rejected.values()) == len(expected)
    for signal in set(expected):
        assert ctx.counters[f"optout.archived.{signal}"] == expected.count(signal)


def test_archived_optouts_can_be_turned_off(tmp_path: Path):
    path = tmp_path / "foreign.warc.gz"
    urls = _write_warc(path)
    stage = ExtractStage(ExtractParams(fallback=False, archived_optouts=False))
    stage.setup()
    ctx = Context("extract")
    assert len(list(stage.run(stage.read(str(path), ctx), ctx))) == len(urls)
