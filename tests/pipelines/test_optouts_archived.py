"""Opt-outs archived in WARC files of any origin: each header and meta signal reserves its
page at extract time, for our token and for the AI tokens of the opt-out manifest; archived
robots.txt and tdmrep.json records are honoured by the stage optouts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leam.corpus.cli.app import app
from leam.corpus.stage import Context
from leam.pipelines.extract.stage import ExtractParams, ExtractStage
from leam.pipelines.extract.warc import Record, iter_records
from leam.pipelines.optouts import snapshot
from leam.pipelines.optouts.agents import load_policy
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


def test_policy_files_archived_in_the_inputs_are_honoured(ray_local, tmp_path: Path):
    """robots.txt and tdmrep.json records in another crawler's WARC file go to extract's
    ledger as `policy_file`; the stage optouts honours them (source archived), here with a
    snapshot that knows none of the hosts (no network)."""
    files = [
        ("https://archive.example/robots.txt", b"User-agent: CCBot\nDisallow: /x/\n",
         "text/plain"),
        ("https://t.example/.well-known/tdmrep.json",
         b'[{"location": "/*", "tdm-reservation": 1}]', "application/json"),
    ]  # fmt: skip
    pages = sample_pages(["de"], per_lang=3)
    urls = ["https://archive.example/x/1.html", "https://archive.example/y/1.html",
            "https://t.example/a.html"]  # fmt: skip
    warc = tmp_path / "other.warc.gz"
    with warc.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, body, ctype in files:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http))  # fmt: skip
        for url, page in zip(urls, pages, strict=True):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")  # fmt: skip
            body = io.BytesIO(render_html(page).encode())
            writer.write_record(writer.create_warc_record(url, "response", payload=body,
                                                          http_headers=http))  # fmt: skip
    empty = tmp_path / "empty.json"
    snapshot.write(snapshot.build({}, load_policy()), empty)
    stages = [{"stage": "extract", "params": {"fallback": False}},
              {"stage": "optouts", "params": {"snapshot": str(empty)}}]  # fmt: skip
    (tmp_path / "p.yaml").write_text(json.dumps({"name": "p", "stages": stages}))
    args = ["run", str(tmp_path / "p.yaml"), str(warc), "--runs-dir", str(tmp_path / "runs"),
            "--run-id", "a", "-q"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "a"

    def ledger(stage: str) -> list[dict]:
        paths = sorted((run / "rejected" / stage).glob("*.parquet"))
        return pa.concat_tables([pq.read_table(p) for p in paths]).to_pylist()

    assert sorted(r["reason"] for r in ledger("extract")) == ["policy_file", "policy_file"]
    reserved = {r["url"]: r["detail"] for r in ledger("optouts")}
    assert sorted(reserved) == [urls[0], urls[2]]
    assert reserved[urls[0]].startswith("robots_txt source=archived token=CCBot date=20")
    assert reserved[urls[2]].startswith("tdmrep_json source=archived")
    record = json.loads((run / "run.json").read_text())["stages"]["optouts"]
    assert record["prepared"]["hosts_with_archived_policy"] == 2
    assert record["counters"]["optout.not_in_snapshot"] == 3
