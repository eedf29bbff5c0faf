"""`leam run` ending with Megatron files (shard → megatron), and `leam lineage` finding a
document in the token files, the shards and the rejected ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.config import ConfigError
from leam.corpus.rundir import RunDir, write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, LEDGER_SCHEMA, doc_id, empty_doc, ledger_row
from leam.pipelines.megatron.stage import MegatronParams
from leam.pipelines.presets import parse_pipeline
from leam.trainer.indexed import IndexedDataset
from tests.megatron_data import train_tiny_tokenizer
from tests.sample_warc import sample_pages

runner = CliRunner()
LANGS = ["en", "fr", "sl"]


def _parse(*names: str):
    stages = [{"stage": name} for name in names]
    return parse_pipeline(json.dumps({"name": "p", "stages": stages}), "p")


def test_megatron_follows_shard_or_tokenizer():
    parsed = _parse("shard", "tokenizer", "megatron")
    assert [s.name for s in parsed.stages] == ["shard", "tokenizer", "megatron"]
    assert parsed.stage("megatron").params.tokenizer == "tokenizer"
    assert [s.name for s in _parse("shard", "megatron").stages] == ["shard", "megatron"]
    with pytest.raises(ConfigError, match="shard writes no parts"):
        _parse("shard", "langid")  # langid reads parts, which shard does not write


def test_stage_takes_the_runs_tokenizer_folder(tmp_path: Path):
    params = MegatronParams()
    assert params.spec(RunDir(tmp_path)).tokenizer == Path("tokenizer")  # not there yet
    (tmp_path / "tokenizer").mkdir()
    assert params.spec(RunDir(tmp_path)).tokenizer == tmp_path / "tokenizer"


@pytest.fixture(scope="module")
def run(ray_local, tmp_path_factory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("mrun")
    docs = []
    for i, page in enumerate(sample_pages(LANGS, 12)):
        source = {"warc_file": "c.warc.gz", "offset": 10 * i, "record_id": f"<urn:{i}>",
                  "warc_date": "2024-05-01T08:00:00Z"}  # fmt: skip
        doc_key = doc_id(page.url, f"<urn:{i}>")
        docs.append(empty_doc(id=doc_key, url=page.url, domain="d", text=page.text,
                              source=source, lang=page.lang, lang_score=0.9))  # fmt: skip
    inputs = [root / "in-0.parquet", root / "in-1.parquet"]
    write_parquet_atomic(docs[::2], DOC_SCHEMA, inputs[0])
    write_parquet_atomic(docs[1::2], DOC_SCHEMA, inputs[1])
    tok = train_tiny_tokenizer(root / "tok")
    train = {"train_iters": 8, "seq_length": 32, "micro_batch_size": 2, "global_batch_size": 4,
             "eval_interval": 4, "eval_iters": 1, "save_interval": 8}  # fmt: skip
    stages = [{"stage": "shard", "params": {"target_rows": 5}},
              {"stage": "megatron", "params": {"tokenizer": str(tok), "alpha": 0.5}},
              {"stage": "train", "params": {"config": train}}]  # fmt: skip
    (root / "p.yaml").write_text(json.dumps({"name": "p", "stages": stages}))
    args = ["run", str(root / "p.yaml"), *map(str, inputs), "--runs-dir", str(root / "runs"),
            "--run-id", "t", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return root / "runs", docs


def test_run_ends_with_megatron_files(run):
    runs, docs = run
    record = json.loads((runs / "t" / "run.json").read_text())
    prepared = record["stages"]["megatron"]["prepared"]
    assert prepared["documents"] == len(docs) and prepared["dtype"] == "uint16"
    for lang in LANGS:
        data = IndexedDataset(runs / "t" / "megatron" / f"{lang}_text_document")
        assert len(data) == sum(d["lang"] == lang for d in docs)
        assert data.num_tokens == prepared["tokens_by_lang"][lang]
    blend = json.loads((runs / "t" / "megatron" / "blend.json").read_text())
    assert blend["alpha"] == 0.5 and prepared["data_path"] == blend["data_path"]


def test_run_goes_on_to_train_a_model(run):
    runs, _ = run
    prepared = json.loads((runs / "t" / "run.json").read_text())["stages"]["train"]["prepared"]
    assert prepared["iterations"] == 8 and prepared["last_loss"] < prepared["first_loss"]
    assert (runs / "t" / "train" / "log.jsonl").exists()
    assert list((runs / "t" / "train").glob("iter_*.pt"))


def test_train_stage_refuses_unknown_trainer_fields():
    stages = [{"stage": "shard"}, {"stage": "megatron"},
              {"stage": "train", "params": {"config": {"num_layer": 2}}}]  # fmt: skip
    with pytest.raises(ConfigError, match="num_layer"):
        parse_pipeline(json.dumps({"name": "p", "stages": stages}), "p")


def test_lineage_finds_tokens_shard_and_ledger(run):
    runs, docs = run
    doc = docs[4]
    result = runner.invoke(app, ["lineage", doc["url"], str(runs)])
    assert result.exit_code == 0, result.output
    assert "WARC c.warc.gz @ 40 <urn:4>" in result.output
    result = runner.invoke(app, ["lineage", doc["id"], str(runs), "--json"])
    hits = {h["kind"]: h for h in map(json.loads, result.output.splitlines())}
    assert sorted(hits) == ["shard", "tokens"]
    tokens, shard = hits["tokens"], hits["shard"]
    assert tokens["file"].endswith(f"megatron/{doc['lang']}_text_document")
    assert shard["file"].endswith(tokens["shard"]) and shard["row"] == tokens["row"]
    data = IndexedDataset(tokens["file"])
    assert data.index.sequence_pointers[tokens["index"]] == tokens["byte_offset"]
    assert len(data[tokens["index"]]) == tokens["tokens"] == tokens["tokens_in_file"]

    removed = empty_doc(id="gone", url="https://removed.example/x", lang="fr")
    ledger = ledger_row("filter", "too_few_words", removed, filter_id="gopher_quality")
    write_parquet_atomic(
        [ledger], LEDGER_SCHEMA, runs / "t" / "rejected" / "filter" / "part-00000.parquet"
    )
    result = runner.invoke(app, ["lineage", "gone", str(runs / "t")])
    assert result.exit_code == 0, result.output
    assert "removed by filter: too_few_words (gopher_quality)" in result.output

    assert runner.invoke(app, ["lineage", "https://never.example/", str(runs)]).exit_code == 1
