"""Parquet document parts written by the tests, and one stage run on them through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.rundir import write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA
from tests.sample_warc import iter_chunks


def write_parts(docs: list[dict], folder: Path, parts: int) -> list[str]:
    """The documents in `parts` nearly equal Parquet files, in order."""
    paths = []
    for i, chunk in enumerate(iter_chunks(docs, parts)):
        paths.append(str(folder / f"in-{i}.parquet"))
        write_parquet_atomic(chunk, DOC_SCHEMA, Path(paths[-1]))
    return paths


def run_stage(
    stage: str, params: dict[str, Any], inputs: list[str], runs: Path, run_id: str, workers: int = 2
) -> Path:
    """`leam run` of a one-stage pipeline file; returns the run directory."""
    pipeline = runs / f"{run_id}.yaml"
    pipeline.parent.mkdir(parents=True, exist_ok=True)
    pipeline.write_text(json.dumps({"name": stage, "stages": [{"stage": stage, "params": params}]}))
    args = ["run", str(pipeline), *inputs, "--runs-dir", str(runs), "--run-id", run_id]
    result = CliRunner().invoke(app, [*args, "-w", str(workers), "-q"])
    assert result.exit_code == 0, result.output
    return runs / run_id
