from pathlib import Path

from rich.console import Console

from leam.corpus.config import Pipeline
from leam.corpus.progress import PipelineProgress
from leam.corpus.rundir import RunDir
from leam.corpus.runner import run_pipeline
from leam.pipelines.extract.stage import ExtractParams, ExtractStage
from tests.warcs import build_pages_warc


def test_run_dir_is_absolute_whatever_the_worker_cwd(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = RunDir(Path("runs") / "r1")
    assert run_dir.root == tmp_path / "runs" / "r1"
    monkeypatch.chdir("/")
    assert run_dir.part("extract", "part-00000").is_relative_to(tmp_path)


class _NothingWritten:
    """A runtime whose tasks return without leaving output here (as a worker that wrote
    to another filesystem would)."""

    def describe(self) -> dict:
        return {"address": "local", "workers": 1, "nodes": 1, "cpus": 1}

    def map(self, fn, items, on_done, on_docs=None) -> list:
        return []


def test_a_run_whose_tasks_left_no_markers_is_incomplete(tmp_path: Path):
    warc = tmp_path / "pages.warc.gz"
    build_pages_warc(warc)
    pipeline = Pipeline.single(ExtractStage, ExtractParams())
    with PipelineProgress(Console(quiet=True), enabled=False) as progress:
        record = run_pipeline(
            pipeline, [str(warc)], RunDir(tmp_path / "run"), "r", _NothingWritten(), progress
        )
    assert record["status"] == "incomplete"
