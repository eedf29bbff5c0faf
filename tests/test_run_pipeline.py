"""`leam run eu24` end to end through the CLI, on the local Ray runtime the session shares."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.cli.run_cmds import DAMAGED_INPUT_EXIT
from leam.corpus.languages import EU24
from tests.warcs import BROKEN_EXPECTED, PAGE_LANGS, PAGES_PER_LANG, WET_LANGS

runner = CliRunner()


def _table(paths):
    return pq.ParquetDataset([str(p) for p in paths]).read().sort_by("id")


@pytest.fixture(scope="module")
def run_dir(eu24_run: Path) -> Path:
    return eu24_run


def test_run_record_counts_reconcile(run_dir: Path):
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "complete"
    assert [i["path"].rsplit("/", 1)[1] for i in record["inputs"]] == [
        "a-pages.warc.gz", "b-broken.warc.gz", "c-text.warc.wet.gz"
    ]  # fmt: skip
    assert all(len(i["sha256"]) == 64 and i["bytes"] > 0 for i in record["inputs"])
    for name, stage in record["stages"].items():
        assert stage["reconciled"], name
        assert stage["docs_in"] == stage["docs_out"] + stage["docs_rejected"]
        assert stage["tasks_done"] == stage["tasks_total"] == 3
        assert stage["cpu_s"] > 0 and stage["wall_s"] > 0
    extract, langid = record["stages"]["extract"], record["stages"]["langid"]
    assert langid["docs_in"] == extract["docs_out"]
    broken = {k: v for k, v in BROKEN_EXPECTED.items() if k != "kept"}
    # eu24's language pre-check turns some non-EU pages away before extraction
    assert {k: v for k, v in extract["rejected_by_reason"].items() if k != "language"} == broken
    assert record["code_version"]["leam"]
    energy, cpu_s = record["energy"], sum(s["cpu_s"] for s in record["stages"].values())
    assert energy["watts_per_core"] == 10.0 and energy["cpu_s"] == pytest.approx(cpu_s)
    assert energy["estimate_j"] == pytest.approx(10.0 * cpu_s, abs=0.1)
    assert all(s["energy_j"] == round(10.0 * s["cpu_s"], 1) for s in record["stages"].values())
    assert record["pipeline"]["stages"][1]["params"]["languages"] == list(EU24)


def test_languages_kept_and_rejected(run_dir: Path):
    record = json.loads((run_dir / "run.json").read_text())
    langid = record["stages"]["langid"]
    expected = Counter({lang: PAGES_PER_LANG for lang in PAGE_LANGS if lang in EU24})
    expected["cs"] += BROKEN_EXPECTED["kept"]
    expected.update(WET_LANGS)
    assert langid["out_by_lang"] == dict(expected)
    others = [lang for lang in PAGE_LANGS if lang not in EU24]
    # every non-EU page is removed, by the pre-check in extract or by langid
    early = record["stages"]["extract"]["rejected_by_reason"].get("language", 0)
    assert early > 0 and set(langid["rejected_by_reason"]) <= {"language"}
    assert early + langid["docs_rejected"] == PAGES_PER_LANG * len(others)
    assert set(langid["rejected_by_lang"]) <= set(others)


def test_parquet_outputs_carry_schema_and_provenance(run_dir: Path):
    docs = _table(sorted((run_dir / "langid").glob("part-*.parquet"))).to_pylist()
    assert (
        len(docs) == json.loads((run_dir / "run.json").read_text())["stages"]["langid"]["docs_out"]
    )
    for doc in docs:
        assert doc["lang"] in EU24 and doc["lang_score"] >= 0.3
        assert doc["lang_alternatives"][0]["lang"] == doc["lang"]
        assert doc["text"] and doc["source"]["warc_file"].endswith((".warc.gz", ".wet.gz"))
    extract_ids = set(
        _table(sorted((run_dir / "extract").glob("part-*.parquet")))["id"].to_pylist()
    )
    assert {d["id"] for d in docs} <= extract_ids


def test_ledger_keeps_what_was_removed_and_why(run_dir: Path):
    ledger = _table(sorted((run_dir / "rejected").glob("*/part-*.parquet"))).to_pylist()
    by_stage = Counter((row["stage"], row["reason"]) for row in ledger)
    assert by_stage[("langid", "language")] + by_stage[("extract", "language")] == 6
    assert by_stage[("extract", "bad_gzip")] == 1
    removed = [row for row in ledger if row["reason"] == "language"]
    assert {row["lang"] for row in removed} == {"ru", "zh", "tr"} and all(r["url"] for r in removed)
    for row in removed:  # the pre-check's rows say so; they have no text, never extracted
        assert row["text"] if row["stage"] == "langid" else "before extraction" in row["detail"]


def test_status_prints_the_record(run_dir: Path):
    result = runner.invoke(app, ["status", str(run_dir)])
    assert result.exit_code == 0
    assert "extract" in result.output and "langid" in result.output and "Slovenian" in result.output


def test_rerun_of_a_finished_run_does_nothing(run_dir: Path):
    before = {p: p.stat().st_mtime_ns for p in run_dir.rglob("part-*.parquet")}
    inputs = [i["path"] for i in json.loads((run_dir / "run.json").read_text())["inputs"]]
    result = runner.invoke(
        app, ["run", "eu24", *inputs, "--runs-dir", str(run_dir.parent), "--run-id", "t", "-q"]
    )
    # the inputs' damage is still reported on a rerun: the run is what it was
    assert result.exit_code == DAMAGED_INPUT_EXIT, result.output
    assert before == {p: p.stat().st_mtime_ns for p in run_dir.rglob("part-*.parquet")}


def test_resuming_without_some_of_its_inputs_is_refused(run_dir: Path, warc_dir: Path):
    """Fewer inputs than the run started from: the refusal says what to do (adding inputs
    is allowed: tests/journeys/test_data_engineer.py)."""
    result = runner.invoke(
        app,
        ["run", "eu24", str(warc_dir / "a-pages.warc.gz"), "--runs-dir", str(run_dir.parent),
         "--run-id", "t", "-q"],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "are not given now" in str(result.exception) and "--restart" in str(result.exception)
