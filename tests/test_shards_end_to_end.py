"""`leam run eu24` on the test WARCs (the session's eu24_run) through to shards, datasheet and
reports, and the shards read as they are by Hugging Face `datasets` (through the datasheet's
configs) and by datatrove."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.schema import SHARD_SCHEMA

# `datasets` reads these when it is imported: never reach the Hub from the tests.
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(eu24_run: Path) -> Path:
    return eu24_run


def _record(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "shards" / "MANIFEST.json").read_text())


def test_the_run_ends_with_shards_of_what_dedup_kept(run_dir: Path):
    record = _record(run_dir)
    assert record["status"] == "complete" and list(record["stages"])[-1] == "shard"
    kept = record["stages"]["dedup"]["out_by_lang"]
    assert kept and record["stages"]["shard"]["out_by_lang"] == kept
    manifest = _manifest(run_dir)
    assert manifest["run_id"] == "t"
    assert {lang: v["rows"] for lang, v in manifest["languages"].items()} == kept
    assert sorted(p.name for p in (run_dir / "shards").iterdir() if p.is_dir()) == sorted(kept)
    result = runner.invoke(app, ["verify", str(run_dir)])
    assert result.exit_code == 0, result.output


def test_datasheet_front_matter_and_stats_match_the_record(run_dir: Path):
    record = _record(run_dir)
    kept = record["stages"]["dedup"]["out_by_lang"]
    readme = (run_dir / "shards" / "README.md").read_text()
    _, front, body = readme.split("---\n", 2)
    card = yaml.safe_load(front)
    assert card["license"] == "other" and card["language"] == sorted(kept)
    assert {c["config_name"]: c["data_files"][0]["path"] for c in card["configs"]} == {
        lang: f"{lang}/*.parquet" for lang in kept
    }
    for manifest in record["pipeline"]["stages"][2]["params"]["resolved"]:
        assert f"| {manifest['id']} | {manifest['version']} |" in body
    stats = json.loads((run_dir / "shards" / "stats.json").read_text())
    assert {lang: f["docs"] for lang, f in stats["languages"].items()} == kept
    for f in stats["languages"].values():
        assert f["words"] > 0 and f["chars"] <= f["bytes"] and f["top_domains"]
        assert f["crawl_dates"]["first"] <= f["crawl_dates"]["last"]
    assert [(s["stage"], s["in"], s["out"]) for s in stats["stages"]] == [
        (name, s["docs_in"], s["docs_out"]) for name, s in record["stages"].items()
    ]


def test_ai_act_summary_names_the_crawler_of_the_inputs(run_dir: Path):
    summary = json.loads((run_dir / "reports" / "ai-act.json").read_text())
    assert summary["figures"]["crawler_user_agents"] == ["leam-sample"]  # WARC request records
    assert summary["figures"]["size"]["band"] == "Less than 1 billion tokens"
    fields = {f["label"]: f for s in summary["sections"] for f in s["fields"]}
    assert fields["Provider name and contact details"]["to_fill"]
    assert "leam-sample" in fields["Crawler name(s) / identifier(s)"]["text"]
    assert (run_dir / "reports" / "ai-act.md").read_text().startswith("# Public summary")


def test_status_shows_the_published_figures(run_dir: Path):
    result = runner.invoke(app, ["status", str(run_dir)])
    assert result.exit_code == 0
    assert "shards per language" in result.output and "top domain" in result.output


def test_huggingface_datasets_loads_each_language_config(run_dir: Path, tmp_path: Path):
    from datasets import load_dataset

    shards = run_dir / "shards"
    for lang, figures in _manifest(run_dir)["languages"].items():
        docs = load_dataset(str(shards), lang, split="train", cache_dir=str(tmp_path))
        assert docs.num_rows == figures["rows"] and set(docs["lang"]) == {lang}
        assert docs.column_names == SHARD_SCHEMA.names
        assert all(isinstance(q["value"], float) for q in docs[0]["quality"])
    files = {"train": f"{shards}/{lang}/*.parquet"}
    plain = load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path))
    assert plain.num_rows == figures["rows"]


def test_datatrove_parquet_reader_reads_the_shards(run_dir: Path):
    from datatrove.pipeline.readers import ParquetReader

    for lang, figures in _manifest(run_dir)["languages"].items():
        reader = ParquetReader(
            str(run_dir / "shards" / lang), glob_pattern="*.parquet", text_key="text", id_key="id"
        )
        docs = list(reader.run())
        assert len(docs) == figures["rows"]
        assert all(d.text and d.metadata["lang"] == lang for d in docs)
