"""A task that cannot finish fails alone, names its input, and leaves nothing partial:
an unreadable input, a corrupt Parquet part, a full disk; a worker killed mid-task is
retried."""

from __future__ import annotations

import json
import os
import signal
import socket
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.rundir import TMP_PREFIX, DiskFullError, RunDir
from leam.corpus.runtime import Runtime, RuntimeOptions
from leam.corpus.stage import Context, CorruptPartError, read_parquet_docs
from leam.corpus.task import TaskSpec, run_task
from leam.pipelines.extract.stage import ExtractParams, ExtractStage
from tests.warcs import build_pages_warc

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again once the socket is: connections are refused


def test_unreachable_input_is_a_failed_task_that_names_it(ray_local, tmp_path: Path):
    pages = tmp_path / "pages.warc.gz"
    build_pages_warc(pages)
    url = f"http://127.0.0.1:{_closed_port()}/crawl.warc.gz"
    args = ["extract", url, str(pages), "--runs-dir", str(tmp_path), "--run-id", "u", "-q"]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    assert f"({url}): UnreadableInputError: {url}: cannot be read" in result.output
    record = json.loads((tmp_path / "u" / "run.json").read_text())
    (failed,) = record["stages"]["extract"]["tasks_failed"]
    assert failed["input"] == url and "Connect" in failed["error"]
    assert "error" in record["inputs"][0] and record["inputs"][1]["bytes"] > 0
    assert pq.read_metadata(tmp_path / "u" / "extract" / "part-00001.parquet").num_rows > 10


def _extract_part(tmp_path: Path) -> Path:
    pages = tmp_path / "pages.warc.gz"
    build_pages_warc(pages)
    args = ["extract", str(pages), "--runs-dir", str(tmp_path), "--run-id", "x", "-q"]
    assert runner.invoke(app, args).exit_code == 0
    return tmp_path / "x" / "extract" / "part-00000.parquet"


def test_corrupt_part_fails_its_task_and_names_the_file(ray_local, tmp_path: Path):
    part = _extract_part(tmp_path)
    data = bytearray(part.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # zeroed inside the column data
    bad = tmp_path / "bad" / "part-00000.parquet"
    bad.parent.mkdir()
    bad.write_bytes(bytes(data[: len(data) - 100]))  # and cut: the footer is gone
    with pytest.raises(CorruptPartError, match=str(bad)):
        list(read_parquet_docs(str(bad), Context("langid")))
    args = ["langid", str(bad), "--runs-dir", str(tmp_path), "--run-id", "l", "-q"]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 1 and "CorruptPartError" in result.output, result.output
    assert not list((tmp_path / "l").rglob(f"{TMP_PREFIX}*"))


def test_full_disk_commits_nothing_and_says_so(tmp_path: Path):
    pages = tmp_path / "pages.warc.gz"
    build_pages_warc(pages)
    run_dir = RunDir(tmp_path / "run")
    out = run_dir.part("extract", "part-00000")
    out.parent.mkdir(parents=True)
    tmp = out.with_name(f"{TMP_PREFIX}{os.getpid()}-{out.name}")
    tmp.symlink_to("/dev/full")  # the kernel answers every write with ENOSPC
    spec = TaskSpec(
        stage="extract", stage_cls=ExtractStage, params_json=ExtractParams().model_dump_json(),
        task="part-00000", input=str(pages), output=out,
        ledger=run_dir.ledger("extract", "part-00000"),
        marker=run_dir.marker("extract", "part-00000"), workdir=run_dir.workdir("extract"),
    )  # fmt: skip
    with pytest.raises(DiskFullError, match=f"no space left on the device writing {out}"):
        run_task(spec)
    assert not out.exists() and not spec.marker.exists() and not spec.ledger.exists()
    assert not tmp.exists() and not tmp.is_symlink()


class _DiesOnce:
    """Kills its own worker (SIGKILL, no clean-up, as the OOM killer does) the first time it
    runs an item."""

    def __init__(self, flags: Path) -> None:
        self.flags = flags

    def __call__(self, item: str, progress) -> dict:
        flag = self.flags / item
        if not flag.exists():
            flag.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return {"item": item}


@pytest.mark.slow
def test_killed_worker_is_retried(ray_local, tmp_path: Path):
    runtime = Runtime(RuntimeOptions(workers=2))
    done: list[str] = []
    try:
        failures = runtime.map(_DiesOnce(tmp_path), ["a"], on_done=lambda i, r: done.append(i))
    finally:
        runtime.shutdown()
    assert failures == [] and done == ["a"] and (tmp_path / "a").exists()
