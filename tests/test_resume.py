"""Kill `leam run` mid-stage, run it again: finished tasks are not redone, outputs are equal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from tests.sample_warc import iter_chunks, sample_pages, write_sample_warc

LEAM = str(Path(sys.executable).parent / "leam")
FILES = 6


def _outputs(run_dir: Path) -> dict[str, list[dict]]:
    tables = {}
    for sub in ("extract", "langid", "rejected/extract", "rejected/langid"):
        parts = sorted((run_dir / sub).glob("part-*.parquet"))
        tables[sub] = pq.ParquetDataset([str(p) for p in parts]).read().sort_by("id").to_pylist()
    return tables


def _counts(run_dir: Path) -> dict:
    record = json.loads((run_dir / "run.json").read_text())
    keep = ("docs_in", "docs_out", "docs_rejected", "out_by_lang", "rejected_by_reason")
    return {name: {k: s[k] for k in keep} for name, s in record["stages"].items()}


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_result(ray_local, tmp_path: Path):
    inputs = []
    for i, chunk in enumerate(iter_chunks(sample_pages(), FILES)):
        inputs.append(tmp_path / "in" / f"crawl-{i}.warc.gz")
        write_sample_warc(inputs[-1], chunk)
    args = ["run", "eu24", *map(str, inputs), "--runs-dir", str(tmp_path / "runs"), "-q"]

    # Interrupted run: one worker, killed (SIGKILL, no clean-up) once two files are done.
    cmd = [LEAM, *args, "--run-id", "killed", "--workers", "1"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL)
    run_dir = tmp_path / "runs" / "killed"
    deadline = time.monotonic() + 120
    while len(list((run_dir / "extract").glob("_DONE.*"))) < 2:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p: p.stat().st_mtime_ns for p in (run_dir / "extract").glob("_DONE.*")}
    assert 2 <= len(done_before) < FILES
    assert not (run_dir / "langid").exists()
    # run.json still says running; status knows its process is gone
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    status = CliRunner().invoke(app, ["status", str(run_dir)])
    assert "run killed (interrupted)" in status.output, status.output

    resumed = subprocess.run([LEAM, *args, "--run-id", "killed"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    for marker, mtime in done_before.items():
        assert marker.stat().st_mtime_ns == mtime, f"{marker.name} was redone"
    record = json.loads((run_dir / "run.json").read_text())
    assert record["resumed"] == 1
    assert set(record["stages"]["extract"]["nodes"]) == {"127.0.0.1"}  # the CLI kept Ray local
    assert not list(run_dir.rglob(".tmp-*"))

    whole = CliRunner().invoke(app, [*args, "--run-id", "whole"])
    assert whole.exit_code == 0, whole.output
    assert _outputs(run_dir) == _outputs(tmp_path / "runs" / "whole")
    assert _counts(run_dir) == _counts(tmp_path / "runs" / "whole")
