"""A run over a WARC file from another crawler: extract honours the archived opt-outs, the
stage optouts the hosts' policy files; the AI Act summary and the audit report give the
figures per signal, per source and per input file, and the takedowns."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leam.corpus.audit import overview
from leam.corpus.audit.collect import collect
from leam.corpus.audit.report_html import render_html
from leam.corpus.audit.report_md import render_markdown
from leam.corpus.cli.app import app
from leam.corpus.publish.takedown import TakedownRequest, apply_takedown
from leam.corpus.rundir import RunDir
from leam.pipelines.crawl.localsite import Reply, SiteServer
from tests.sample_warc import render_html as page_html
from tests.sample_warc import sample_pages

runner = CliRunner()


def _warc(path: Path, server: SiteServer) -> list[str]:
    """Six German pages on one local host, as another crawler archived them."""
    pages = sample_pages(["de"], per_lang=6)
    urls = []
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, page in enumerate(pages):
            url = server.url(0, f"/private/{i}.html" if i == 1 else f"/p/{i}.html")
            extra = [("tdm-reservation", "1")] if i == 2 else []
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8"), *extra],
                protocol="HTTP/1.1",
            )  # fmt: skip
            body = io.BytesIO(page_html(page).encode())
            writer.write_record(writer.create_warc_record(url, "response", payload=body,
                                                          http_headers=http))  # fmt: skip
            urls.append(url)
    return urls


def test_optout_and_takedown_figures_in_the_reports(ray_local, tmp_path: Path):
    robots = Reply(200, b"User-agent: GPTBot\nDisallow: /private/\n",
                   [("Content-Type", "text/plain")])  # fmt: skip
    with SiteServer([{"/robots.txt": robots}]) as server:
        urls = _warc(tmp_path / "partner.warc.gz", server)
        stages = [
            {"stage": "extract", "params": {"fallback": False}},
            {"stage": "optouts", "params": {"allow_private": True, "delay_s": 0.0,
                                            "cache_dir": str(tmp_path / "cache")}},
            {"stage": "langid"},
            {"stage": "shard", "params": {"target_rows": 100}},
        ]  # fmt: skip
        (tmp_path / "p.yaml").write_text(json.dumps({"name": "p", "stages": stages}))
        args = ["run", str(tmp_path / "p.yaml"), str(tmp_path / "partner.warc.gz"),
                "--runs-dir", str(tmp_path / "runs"), "--run-id", "r", "-q"]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    run_dir = RunDir(tmp_path / "runs" / "r")
    apply_takedown(run_dir, TakedownRequest("url", urls[4], "personal_data", "erasure 3"))

    summary = json.loads((run_dir.reports / "ai-act.json").read_text())
    figures = summary["figures"]["opt_outs"]
    assert figures["by_signal"] == [
        {"where": "archived", "signal": "tdm_header", "documents": 1},
        {"where": "live", "signal": "robots_txt", "documents": 1},
    ]
    assert figures["by_input"] == [{"input": "partner.warc.gz", "documents": 2}]
    assert figures["hosts"]["hosts"] == 1
    assert summary["figures"]["takedowns"]["documents"] == 1
    section = next(s for s in summary["sections"] if s["id"] == "3.1")
    stats = next(f for f in section["fields"] if f["label"] == "Opt-out statistics")
    assert ["tdm_header (archived)", 1] in stats["table"]["rows"]
    assert "archived in each response" in section["fields"][0]["text"]
    measures = next(s for s in summary["sections"] if s["id"] == "3.2")["fields"][-1]
    assert "1 request(s) removed 1 documents" in measures["text"]

    audit = collect(run_dir)
    view = overview.build(audit, 10.0)
    md = render_markdown(audit, view)
    assert "## Opt-outs and takedowns" in md
    assert "### Opt-outs" in md and "| robots_txt | live | 1 |" in md
    assert "### Takedowns" in md and "| personal_data | 1 | 1 |" in md
    html = render_html(audit, view)
    assert "<section id='governance'><h2>Opt-outs and takedowns</h2>" in html
    assert "<h3>Opt-outs</h3>" in html
