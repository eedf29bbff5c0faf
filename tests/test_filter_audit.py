"""Filters as a stage of `leam run` on the local Ray runtime, then `leam audit` on that run.

The HTML report is checked with a real HTML parser (lxml): its tables, inline SVG charts
with threshold lines, samples of removed documents, manifests with hashes and the
reconciliation lines. (A headless browser is not part of the test set-up.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from lxml import html
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from tests.filters.docs import link_list, prose, repeated_lines
from tests.sample_warc import SamplePage, sample_pages, write_sample_warc

runner = CliRunner()
LANGS = ("de", "fr", "fi", "el", "en", "pl")
PIPELINE = """\
name: filter-test
stages:
  - stage: extract
  - stage: langid
  - stage: filter
    params:
      filters: [pii_redaction, url_blocklist, gopher_quality, gopher_repetition, c4_quality,
                fineweb_quality]
"""


def _pages() -> list[SamplePage]:
    pages = sample_pages(LANGS, per_lang=6)
    text = prose("de")
    pages += [
        SamplePage("de", "Kontakt", text + "\n\nMail: anna.muster@beispiel.de, Tel. 030 901820.",
                   "https://www.kontakt.de/impressum.html"),
        SamplePage("fr", "Dossier", prose("fr") + "\n\nNuméro d'identification fiscale allemand"
                   " : 36 574 261 809.", "https://www.dossier.fr/dossier.html"),
        SamplePage("en", "Story", pages[-1].text, "https://www.0-1sex.com/story.html"),
        SamplePage("de", "Übersicht", link_list(), "https://www.portal.de/menu.html"),
        SamplePage("fr", "Promo", repeated_lines("fr"), "https://www.promo.fr/a.html"),
    ]  # fmt: skip
    return pages


@pytest.fixture(scope="module")
def run_dir(ray_local, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("filter-run")
    pages = _pages()
    write_sample_warc(root / "in" / "a.warc.gz", pages[: len(pages) // 2])
    write_sample_warc(root / "in" / "b.warc.gz", pages[len(pages) // 2 :])
    (root / "p.yaml").write_text(PIPELINE)
    args = ["run", str(root / "p.yaml"), str(root / "in"), "--runs-dir", str(root / "runs")]
    result = runner.invoke(app, [*args, "--run-id", "f", "-q"])
    assert result.exit_code == 0, result.output
    return root / "runs" / "f"


def test_run_record_holds_manifests_and_reconciles(run_dir: Path):
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


def test_audit_report_structure(run_dir: Path):
    result = runner.invoke(app, ["audit", str(run_dir), "--samples", "3"])
    assert result.exit_code == 0, result.output
    page = html.fromstring((run_dir / "audit.html").read_text())
    assert page.findtext(".//title") == "Audit f"
    recon = [li.text_content() for li in page.xpath("//ul[@class='reconciliation']/li")]
    assert [r.split(":")[0] for r in recon] == ["extract", "langid", "filter"]
    assert all("kept" in r and "= input" in r for r in recon)
    sections = page.xpath("//section[@class='filter']")
    assert [s.get("id") for s in sections][:3] == [
        "filter-pii_redaction", "filter-url_blocklist", "filter-gopher_quality"
    ]  # fmt: skip
    gopher = page.xpath("//section[@id='filter-gopher_quality']")[0]
    rows = gopher.xpath(".//table[@class='by-language']/tbody/tr")
    cells = {r[0].text: [c.text for c in r] for r in rows}
    assert set(LANGS) <= set(cells) and cells["all"][2] == str(
        sum(int(c[2]) for k, c in cells.items() if k != "all")
    )
    svgs = gopher.xpath(".//*[local-name()='svg']")
    assert len(svgs) == 1 + 4  # removal rates + one histogram per thresholded signal
    assert gopher.xpath(".//*[local-name()='line'][@class='threshold']")
    assert page.xpath("//section[@id='filter-url_blocklist']//ul[@class='samples']/li")
    redacted = page.xpath("//section[@id='filter-pii_redaction']//table[@class='redacted']")
    assert redacted and "email" in redacted[0].text_content()
    cross = page.xpath("//section[@id='filter-pii_redaction']//table[@class='cross-border']//tr")
    assert [[c.text for c in r] for r in cross[1:]] == [["national_id", "DE", "fr", "French", "1"]]
    manifests = page.xpath("//div[@class='manifests']/details")
    assert len(manifests) == 6 and all(len(d.findtext(".//code")) == 64 for d in manifests)
    assert not page.xpath("//script") and not page.xpath("//link[@rel='stylesheet']")
    md = (run_dir / "audit.md").read_text()
    assert "## gopher_quality v1 (quality, drop)" in md and "## Manifests in force" in md
    assert "| national_id | DE | fr | French | 1 |" in md
