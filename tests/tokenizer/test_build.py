"""Shards in, tokenizer folder out: the training record, the evaluation that follows
training, the token counts for the datasheet, and `leam tokenizer train | eval`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.languages import EU24
from leam.tokenizer.shards import iter_docs, shard_files

runner = CliRunner()


def test_training_record(trained):
    folder, record = trained
    saved = json.loads((folder / "training.json").read_text())
    assert saved["vocab_size"] == record["vocab_size"] == 1200
    comp = saved["composition"]
    assert sorted(comp) == sorted(EU24)
    assert sum(c["sampled_chars"] for c in comp.values()) == saved["sample"]["chars"]
    assert all(c["sampled_docs"] > 0 and c["heldout_docs"] >= 0 for c in comp.values())
    assert saved["params"]["sample"]["alpha"] == 0.3 and saved["params"]["train"]["model"] == "bpe"
    assert saved["time_s"]["train"] > 0 and saved["throughput_mb_s"] > 0
    assert saved["peak_rss_bytes"] > 10 * 2**20
    assert set(json.loads((folder / "special_tokens_map.json").read_text())) >= {
        "bos_token", "eos_token", "pad_token"
    }  # fmt: skip


def test_evaluation_runs_after_training(trained):
    folder, record = trained
    report = json.loads((folder / "eval" / "report.json").read_text())
    name = next(iter(report["tokenizers"]))
    parallel = report["parallel"][name]
    assert sorted(parallel) == sorted(EU24) and parallel["en"]["premium"] == 1.0
    assert all(r["premium"] > 0.5 and r["fertility"] >= 1.0 for r in parallel.values())
    assert set(report["heldout"][name]) <= set(EU24) and len(report["heldout"][name]) >= 12
    assert record["evaluation"][name]["worst_premium"] == max(
        r["premium"] for lang, r in parallel.items() if lang != "en"
    )
    md = (folder / "eval" / "report.md").read_text()
    assert "| mt Maltese |" in md and "premium" in md
    for chart, bars in (("premium.svg", 24), ("fertility.svg", len(report["heldout"][name]))):
        svg = (folder / "eval" / chart).read_text()
        assert svg.startswith("<svg") and svg.count("<rect") == bars + 1  # + the legend


def test_token_counts_for_the_datasheet(trained, sample_run: Path):
    folder, record = trained
    counts = json.loads((sample_run / "shards" / "tokens.json").read_text())
    assert counts["tokenizer"] == "../tokenizer/tokenizer.json"
    assert sorted(counts["languages"]) == sorted(EU24)
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    greek = [text for _, text in iter_docs(shard_files(sample_run / "shards")["el"])]
    assert counts["languages"]["el"] == {
        "docs": 20,
        "bytes": sum(len(t.encode()) for t in greek),
        "tokens": sum(len(tok.encode(t, add_special_tokens=False).ids) for t in greek),
    }  # counted one by one here, in batches there
    assert counts["total"]["tokens"] == record["corpus_tokens"] > 0


def test_cli_train_and_compare(sample_run: Path, trained, tmp_path: Path):
    run = tmp_path / "run"
    shutil.copytree(sample_run / "shards", run / "shards")
    args = ["tokenizer", "train", str(run), "--vocab-size", "800", "--alpha", "1.0",
            "--max-chars", "150000", "--lang", "en", "--lang", "de", "--lang", "el"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads((run / "tokenizer" / "training.json").read_text())
    assert sorted(record["composition"]) == ["de", "el", "en"]
    assert abs(record["sample"]["chars"] - 150_000) < 5_000
    assert "worst premium" in result.output

    ours, _ = trained
    out = tmp_path / "cmp"
    args = ["tokenizer", "eval", f"balanced={ours}", f"raw={run / 'tokenizer' / 'tokenizer.json'}",
            "--shards", str(sample_run), "--out", str(out)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert list(report["tokenizers"]) == ["balanced", "raw"]
    # trained on en, de, el only: the raw tokenizer pays far more for Maltese than ours
    prem = {n: report["parallel"][n]["mt"]["premium"] for n in ("balanced", "raw")}
    assert prem["raw"] > prem["balanced"]
    assert (out / "premium.svg").is_file() and "balanced" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--weight", "mt"], "LANG=WEIGHT"),
        (["--weight", "uk=1"], "without shards"),
        (["--model", "wordpiece"], "bpe or unigram"),
    ],
)
def test_cli_errors_are_one_line(sample_run: Path, tmp_path: Path, args, message):
    result = runner.invoke(app, ["tokenizer", "train", str(sample_run), "-o", str(tmp_path), *args])
    assert result.exit_code == 2 and message in result.output
