"""`leam run` ending with a trained tokenizer: a pipeline `shard` → `tokenizer` over Parquet
documents, on the session's local Ray runtime; and where the stage may stand in a pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.config import ConfigError
from leam.corpus.languages import EU24
from leam.corpus.rundir import write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, doc_id, empty_doc
from leam.pipelines.presets import parse_pipeline
from tests.sample_warc import sample_pages

runner = CliRunner()
LANGS = ["en", "de", "el", "bg", "mt", "fi"]
TOKENIZER = {"stage": "tokenizer", "params": {"vocab_size": 700, "heldout": 0.1}}


def _docs() -> list[dict]:
    docs = []
    for i, page in enumerate(sample_pages(LANGS)):
        url = f"https://site-{i % 7}.eu/{page.lang}/{i}"
        source = {"warc_file": "t.warc.gz", "offset": i, "record_id": url,
                  "warc_date": "2024-05-01T08:00:00Z"}  # fmt: skip
        docs.append(
            empty_doc(id=doc_id(url, url), url=url, domain=f"site-{i % 7}.eu", text=page.text,
                      title=page.title, source=source, lang=page.lang, lang_score=0.9,
                      dup_cluster_size=1)
        )  # fmt: skip
    return docs


def test_tokenizer_may_follow_shard_only():
    ok = {"name": "p", "stages": [{"stage": "shard"}, TOKENIZER]}
    assert [s.name for s in parse_pipeline(json.dumps(ok), "p").stages] == ["shard", "tokenizer"]
    bad = {"name": "p", "stages": [{"stage": "shard"}, {"stage": "dedup"}]}
    with pytest.raises(ConfigError, match="only a stage that reads the shards"):
        parse_pipeline(json.dumps(bad), "p")
    typo = {"name": "p", "stages": [{"stage": "shard"}, {"stage": "tokenizer",
                                                         "params": {"vocab": 10}}]}  # fmt: skip
    with pytest.raises(ConfigError, match=r"stages\.1\.params\.vocab"):
        parse_pipeline(json.dumps(typo), "p")


def test_run_ends_with_a_tokenizer(ray_local, tmp_path: Path):
    docs = _docs()
    inputs = [tmp_path / "in-0.parquet", tmp_path / "in-1.parquet"]
    write_parquet_atomic(docs[::2], DOC_SCHEMA, inputs[0])
    write_parquet_atomic(docs[1::2], DOC_SCHEMA, inputs[1])
    stages = [{"stage": "shard", "params": {"target_rows": 8}}, TOKENIZER]
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(json.dumps({"name": "p", "stages": stages}))
    args = ["run", str(pipeline), *map(str, inputs), "--runs-dir", str(tmp_path / "runs"),
            "--run-id", "t", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output

    run = tmp_path / "runs" / "t"
    record = json.loads((run / "run.json").read_text())
    prepared = record["stages"]["tokenizer"]["prepared"]
    assert prepared["vocab_size"] == 700 and prepared["output"] == "tokenizer"
    # judged on all 24 EU languages of the parallel set, not only the six it was trained on
    assert prepared["worst_premium_lang"] in EU24 and prepared["worst_premium"] > 1.0
    tok = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    text = docs[0]["text"]
    assert tok.decode(tok.encode(text).ids) == text
    counts = json.loads((run / "shards" / "tokens.json").read_text())
    assert sorted(counts["languages"]) == sorted(LANGS)
    assert counts["total"]["docs"] == len(docs)
    assert counts["total"]["tokens"] == prepared["corpus_tokens"]
    assert (run / "tokenizer" / "eval" / "report.md").is_file()

    mtime = (run / "tokenizer" / "tokenizer.json").stat().st_mtime_ns
    again = runner.invoke(app, args)  # resumed: the tokenizer stage's tasks are done
    assert again.exit_code == 0, again.output
    assert (run / "tokenizer" / "tokenizer.json").stat().st_mtime_ns == mtime
