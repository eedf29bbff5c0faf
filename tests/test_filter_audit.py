"""Filters as a stage of `leam run` on the local Ray runtime, then `leam audit` on that run.

The HTML report is checked with a real HTML parser (lxml): the overview (headline, the
language that lost most, flags, funnel, heat map), the table of contents, one collapsed
section per filter with its tables, charts, marked samples and borderline documents, the
manifests with hashes, the reconciliation, the comparison with a second run; the Markdown
twin is checked to hold the same sections in the same order. tests/test_audit_browser.py
renders the same report in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from lxml import html
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from tests.audit_run import LANGS

runner = CliRunner()


@pytest.fixture(scope="module")
def report(filter_run: Path) -> tuple[html.HtmlElement, str]:
    args = [
        "audit",
        str(filter_run),
        "--samples",
        "3",
        "--compare",
        str(filter_run.parent / "f-v2"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "flag fr at gopher_repetition" in " ".join(result.output.split())
    return html.fromstring((filter_run / "audit.html").read_text()), (
        filter_run / "audit.md"
    ).read_text()


def test_run_record_holds_manifests_and_reconciles(filter_run: Path):
    run_dir = filter_run
    record = json.loads((run_dir / "run.json").read_text())
    params = record["pipeline"]["stages"][2]["params"]
    assert [r["id"] for r in params["resolved"]][:2] == ["pii_redaction", "url_blocklist"]
    assert all(len(r["sha256"]) == 64 for r in params["resolved"])
    stage = record["stages"]["filter"]
    assert stage["reconciled"] and stage["docs_in"] == record["stages"]["langid"]["docs_out"]
    assert stage["rejected_by_reason"]["blocklisted_domain"] == 1
    assert stage["counters"]["pii_redaction.redacted.email.de"] == 1
    assert stage["counters"]["pii_redaction.redacted.phone.de"] == 1
    assert stage["counters"]["pii_redaction.redacted.phone.DE.de"] == 1
    # a German tax id quoted on a French page: counted by issuing country and language
    assert stage["counters"]["pii_redaction.redacted.national_id.DE.fr"] == 1
    ledger = pq.ParquetDataset(
        [str(p) for p in (run_dir / "rejected" / "filter").glob("*.parquet")]
    )
    rows = ledger.read().to_pylist()
    assert len(rows) == stage["docs_rejected"]
    assert all(r["filter_id"] and r["filter_version"] == 1 and r["signals"] for r in rows)
    kept = pq.ParquetDataset([str(p) for p in (run_dir / "filter").glob("*.parquet")]).read()
    texts = kept.column("text").to_pylist()
    assert not any("anna.muster" in t for t in texts) and any("<EMAIL>" in t for t in texts)
    assert not any("anna.muster" in (r["text"] or "") for r in rows)  # nor in the ledger


def test_report_order_contents_and_anchors(report):
    page, md = report
    assert page.findtext(".//title") == "Audit f"
    ids = [s.get("id") for s in page.xpath("//body/section")]
    assert ids == ["overview", "comparison", "reconciliation", "damaged", "filters", "manifests"]
    toc = [a.get("href") for a in page.xpath("//nav[@id='toc']//a")]
    assert toc == [f"#{i}" for i in ids]
    anchors = set(page.xpath("//@id"))
    links = [h[1:] for h in page.xpath("//a/@href") if h.startswith("#")]
    assert links and all(target in anchors for target in links)  # every link lands
    assert not page.xpath("//script") and not page.xpath("//link[@rel='stylesheet']")
    assert not page.xpath("//img") and "http" not in "".join(page.xpath("//style/text()"))
    # The Markdown twin: the same sections and filter headings, in the same order.
    h2 = [h.text_content() for h in page.xpath("//section/h2")]
    assert h2 == re.findall(r"^## (.+)$", md, re.M)
    h3 = [h.text_content() for h in page.xpath("//details[@class='filter']//summary/h3")]
    assert h3 == [h.split()[0] for h in re.findall(r"^### (\S+ v\d.*)$", md, re.M)]


def test_overview_answers_who_lost_most_where(report):
    page, md = report
    overview = page.xpath("//section[@id='overview']")[0]
    headline = [li.text_content() for li in overview.xpath(".//ul[@class='headline']/li")]
    assert [h.split()[0] for h in headline][:3] == ["documents", "words", "languages"]
    assert any(h.startswith("PII redactions") and h.endswith(" 3") for h in headline)
    lost = overview.xpath(".//p[@class='lost-most']")[0].text_content()
    first = overview.xpath(".//figure[@id='funnel']//*[local-name()='text']")[0].text
    assert lost.startswith(f"Lost most: {first} (") and "the largest step:" in lost
    flags = [li.text_content() for li in overview.xpath(".//div[@id='flags']//li")]
    assert any(f.startswith("⚑ fr at gopher_repetition") for f in flags)
    assert "⚑ **fr** at gopher_repetition" in md
    funnel = overview.xpath(".//*[local-name()='svg'][contains(@class, 'funnel')]")[0]
    rows = [t.text for t in funnel.xpath(".//*[local-name()='text']")]
    assert set(LANGS) <= set(rows[::2])  # language, % kept; least kept first
    kept = [float(t.split()[0]) for t in rows[1::2]]
    assert kept == sorted(kept)
    heat = overview.xpath(".//table[@class='heatmap']")[0]
    flagged = heat.xpath(".//td[@class='flag']")
    assert flagged and all(td.text_content().startswith("⚑") for td in flagged)
    assert heat.xpath(".//tfoot//th")[0].text == "median"


def test_filter_sections(report):
    page, _ = report
    sections = page.xpath(
        "//section[@id='filters']/*[contains(concat(' ', @class, ' '), ' filter ')]"
    )
    assert [s.get("id") for s in sections][:3] == [
        "filter-pii_redaction", "filter-url_blocklist", "filter-gopher_quality"
    ]  # fmt: skip
    assert all(s.tag == "details" and s.get("open") is None for s in sections if s.tag != "p")
    gopher = page.xpath("//details[@id='filter-gopher_quality']")[0]
    rows = gopher.xpath(".//table[@class='by-language']/tbody/tr")
    cells = {r[0].text: [c.text for c in r] for r in rows}
    assert cells["all"][2] == str(sum(int(c[2]) for c in cells.values()) - int(cells["all"][2]))
    assert all(c[3] != "0" for k, c in cells.items() if k != "all")  # languages with removals
    svgs = gopher.xpath(".//*[local-name()='svg']")
    assert len(svgs) == 4  # one histogram per thresholded signal
    assert gopher.xpath(".//*[local-name()='line'][@class='threshold']")
    sizes = {int(t) for t in page.xpath("//*[local-name()='svg']/@font-size")}
    assert sizes == {11}
    borderline = gopher.xpath(".//ul[@class='borderline']/li")
    assert borderline and all("≥" in li.text_content() for li in borderline)
    assert page.xpath(
        "//p[@id='filter-url_blocklist' or @id='filter-fineweb_quality']"
    ) or page.xpath("//details[@id='filter-url_blocklist']//ul[@class='samples']/li")
    pii = page.xpath("//details[@id='filter-pii_redaction']")[0]
    cross = pii.xpath(".//table[@class='cross-border']//tr")
    assert [[c.text for c in r] for r in cross[1:]] == [["national_id", "DE", "fr", "French", "1"]]
    manifests = page.xpath("//div[@class='manifests']/details")
    assert len(manifests) == 6 and all(len(d.findtext(".//code")) == 64 for d in manifests)


def test_samples_mark_what_triggered(report):
    page, md = report
    repetition = page.xpath("//details[@id='filter-gopher_repetition']//ul[@class='samples']")[0]
    marks = repetition.xpath(".//mark")
    assert marks and all(m.get("title").startswith("repeated ") for m in marks)
    pii = page.xpath("//details[@id='filter-pii_redaction']//ul[@class='samples']//mark")
    assert {m.get("title") for m in pii} == {"EMAIL", "PHONE", "NATIONAL_ID"}
    assert {m.text for m in pii} == {"<EMAIL>", "<PHONE>", "<NATIONAL_ID>"}
    assert "**«<EMAIL>»**" in md
    assert "| national_id | DE | fr | French | 1 |" in md


def test_comparison_with_a_manifest_change(report):
    page, md = report
    cmp = page.xpath("//section[@id='comparison']")[0]
    rows = cmp.xpath(".//table[@class='changes']/tbody/tr")
    changed = {(r[0].text, r[1].text) for r in rows}
    assert changed and {step for step, _ in changed} >= {"gopher_quality"}
    # f-v2 removed more (min_words 100): this run removes less, so the points are negative.
    gq = [r for r in rows if r[0].text == "gopher_quality"]
    assert all(float(r[4].text) < 0 for r in gq)
    assert cmp.xpath(".//a[@href='#diff-gopher_quality']")
    diff = cmp.xpath(".//*[@id='diff-gopher_quality']/following-sibling::pre[1]")[0].text
    assert "-  min_words: 100" in diff and "+  min_words: 50" in diff
    assert "### Manifest diff: gopher_quality" in md
