"""`leam run fineweb` end to end through the CLI, from a working directory that is not the
repository: the preset finds its own manifests, and they are datatrove's English defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.filters.manifest import load_set
from leam.filters.text import words
from leam.pipelines.presets import presets_dir
from tests.sample_warc import SamplePage, sample_pages, write_sample_warc

GOPHER_EN = {"the", "be", "to", "of", "and", "that", "have", "with"}


def _long_pages(lang: str, n: int = 3) -> list[SamplePage]:
    """The language's n longest sample pages: long enough for Gopher's 50 words."""
    return sorted(sample_pages([lang]), key=lambda p: len(p.text.split()))[-n:]


def test_fineweb_preset_runs_from_another_directory(ray_local, tmp_path: Path, monkeypatch):
    warc = tmp_path / "long.warc.gz"
    write_sample_warc(warc, [p for lang in ("en", "de", "fr") for p in _long_pages(lang)])
    monkeypatch.chdir(tmp_path)  # the runs folder is absolute: the shared Ray's workers' is not
    args = ["run", "fineweb", str(warc), "--runs-dir", str(tmp_path / "runs"), "--run-id", "fw",
            "-q"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = tmp_path / "runs" / "fw"
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "complete"
    params = record["pipeline"]["stages"][2]["params"]
    shipped = load_set(presets_dir() / "fineweb" / "manifests")
    assert [(r["id"], r["sha256"]) for r in params["resolved"]] == [
        (i, shipped[i].sha256) for i in params["filters"]
    ]
    # Pages without two of the English stop words anywhere are turned away before extraction
    # (survival_precheck), the others by the filter stage: gopher_quality's reason either way.
    removed = [
        row
        for stage in ("extract", "filter")
        for row in pq.ParquetDataset(str(run / "rejected" / stage)).read().to_pylist()
    ]
    no_english = [r for r in removed if r["reason"] == "too_few_stop_words"]
    assert {r["url"].split("/")[3] for r in no_english} == {"de", "fr"}
    assert all(r["filter_id"] == "gopher_quality" for r in no_english)
    assert any(r["stage"] == "extract" for r in no_english)
    kept = pq.ParquetDataset(str(run / "filter")).read().to_pylist()
    assert {d["lang"] for d in kept} == {"en"}
    for doc in kept:  # what passed has two of Gopher's English stop words, case and all
        assert len(GOPHER_EN & set(words(doc["text"]))) >= 2, doc["lang"]
