"""Damaged input of a run: the spans of its input files that could not be read.

A stage that reads raw input (extract) writes each damaged span to its ledger as one row
with the file (`source.warc_file`), the offset, `skipped_bytes` and the reason; run.json
sums them per input file (`stages.<stage>.damaged_inputs`). `leam status` and the audit
report list the spans from here, so that a loss always names where it happened.
"""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.corpus.rundir import RunDir

_COLUMNS = ["stage", "reason", "detail", "source", "skipped_bytes"]


def damaged_spans(run_dir: RunDir, stage: str | None = None) -> list[dict[str, Any]]:
    """Every damaged span on the run's ledger: stage, file, offset, bytes, reason, detail,
    in file then offset order."""
    spans: list[dict[str, Any]] = []
    for path in run_dir.ledgers(stage):
        if "skipped_bytes" not in pq.read_schema(path).names:  # a ledger older than the column
            continue
        table = pq.read_table(path, columns=_COLUMNS)
        table = table.filter(pc.is_valid(table.column("skipped_bytes")))
        for row in table.to_pylist():
            source = row["source"] or {}
            spans.append({
                "stage": row["stage"],
                "file": source.get("warc_file") or "",
                "offset": source.get("offset") or 0,
                "bytes": row["skipped_bytes"],
                "reason": row["reason"],
                "detail": row["detail"] or "",
            })  # fmt: skip
    return sorted(spans, key=lambda s: (s["stage"], s["file"], s["offset"]))


def damaged_inputs(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The run record's damaged inputs over every stage, each with its stage's name."""
    return [
        {"stage": name, **d}
        for name, s in record["stages"].items()
        for d in s.get("damaged_inputs", [])
    ]
