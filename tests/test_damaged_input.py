"""`leam extract` on a WARC.gz with flipped bytes, end to end: the intact records give the
same documents as the clean file, every lost byte is on the ledger with its offset, and the
exit status, run.json, `leam status` and the audit report all say that input was damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.cli.run_cmds import DAMAGED_INPUT_EXIT
from leam.pipelines.extract.warc import Record, iter_records
from tests.warcs import build_pages_warc

runner = CliRunner()
HIT = (2, 7, 15)  # response records whose gzip member gets a flipped byte


@pytest.fixture(scope="module")
def runs(ray_local, tmp_path_factory) -> tuple[Path, Path, list[Record]]:
    root = tmp_path_factory.mktemp("damaged")
    clean = root / "in" / "pages.warc.gz"
    clean.parent.mkdir()
    build_pages_warc(clean)
    records = [r for r in iter_records(str(clean), 10**7) if isinstance(r, Record)]
    data = bytearray(clean.read_bytes())
    for i in HIT:
        data[records[i].offset + records[i].length // 2] ^= 0x41
    damaged = root / "in2" / "pages.warc.gz"
    damaged.parent.mkdir()
    damaged.write_bytes(bytes(data))
    for run_id, path, code in (("clean", clean, 0), ("damaged", damaged, DAMAGED_INPUT_EXIT)):
        args = ["extract", str(path), "--runs-dir", str(root / "runs"), "--run-id", run_id, "-q"]
        result = runner.invoke(app, args)
        assert result.exit_code == code, result.output
        if code:
            assert f"{damaged}: " in result.output and "3 damaged span(s)" in result.output
    return root / "runs" / "clean", root / "runs" / "damaged", [records[i] for i in HIT]


def _docs(run_dir: Path) -> dict[str, str]:
    table = pq.read_table(run_dir / "extract" / "part-00000.parquet", columns=["url", "text"])
    return dict(zip(table["url"].to_pylist(), table["text"].to_pylist(), strict=True))


def test_intact_records_give_the_same_documents(runs):
    clean, damaged, hit = runs
    expected = {u: t for u, t in _docs(clean).items() if u not in {r.url for r in hit}}
    assert _docs(damaged) == expected


def test_run_record_accounts_for_every_byte(runs):
    _, damaged, hit = runs
    record = json.loads((damaged / "run.json").read_text())
    stage = record["stages"]["extract"]
    size = record["inputs"][0]["bytes"]
    assert stage["reconciled"] and stage["input_bytes"] == size
    assert stage["bytes_read"] + stage["bytes_skipped"] == size
    assert stage["bytes_skipped"] == sum(r.length for r in hit)
    (entry,) = stage["damaged_inputs"]
    assert entry["ranges"] == 3 and entry["bytes_skipped_by_reason"] == {"bad_gzip": entry[
        "bytes_skipped"]}  # fmt: skip
    ledger = pq.read_table(damaged / "rejected" / "extract" / "part-00000.parquet").to_pylist()
    spans = sorted((r["source"]["offset"], r["skipped_bytes"]) for r in ledger
                   if r["skipped_bytes"] is not None)  # fmt: skip
    assert spans == [(r.offset, r.length) for r in hit]
    clean_record = json.loads((runs[0] / "run.json").read_text())["stages"]["extract"]
    assert clean_record["bytes_skipped"] == 0 and clean_record["damaged_inputs"] == []


def test_status_and_audit_name_the_damaged_spans(runs):
    _, damaged, hit = runs
    args = ["--runs-dir", str(damaged.parent)]
    shown = runner.invoke(app, ["status", "damaged", *args], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for rec in hit:
        assert f"offset {rec.offset:,}: bad_gzip, {rec.length:,} bytes" in shown.output
    audited = runner.invoke(app, ["audit", "damaged", *args])
    assert audited.exit_code == 0, audited.output
    report = (damaged / "audit.md").read_text()
    assert "## Damaged inputs" in report and f"| {hit[0].offset:,} |" in report
    assert "<section id='damaged'><h2>Damaged inputs</h2>" in (damaged / "audit.html").read_text()


def test_bytes_that_were_never_read_fail_the_reconciliation():
    from collections import Counter

    from leam.corpus.runrecord import summarize_stage

    marker = {"task": "part-00000", "input": "a.warc.gz", "docs_in": 5, "docs_out": 4,
              "docs_rejected": 1, "cpu_s": 1.0, "out_by_lang": {}, "rejected_by_reason": {},
              "rejected_by_lang": {}, "counters": {}, "input_bytes": 1000, "bytes_read": 900,
              "bytes_skipped": 0}  # fmt: skip
    assert not summarize_stage([marker], 1, [], 1.0, Counter())["reconciled"]
    marker["bytes_skipped"] = 100
    marker["bytes_skipped_by_reason"] = {"garbage": 100}
    marker["rejected_by_reason"] = {"garbage": 1}
    stage = summarize_stage([marker], 1, [], 1.0, Counter())
    assert stage["reconciled"] and stage["damaged_inputs"][0]["ranges"] == 1
