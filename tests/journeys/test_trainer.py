"""The trainer's journey (README: "For trainers"), through the CLI: check the shards,
train a tokenizer and evaluate it, export Megatron files, train a tiny GPT, run the same
training command again, and the mistakes that must end in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.journeys.cli import assert_one_line_error, leam
from tests.journeys.conftest import RUN, Walk


@pytest.fixture(scope="module")
def exported(walk: Walk) -> Path:
    """A tokenizer trained on the run's shards, then the Megatron export (both as the
    README shows them, with a small vocabulary)."""
    tok = leam("tokenizer", "train", RUN_DIR(walk), "--vocab-size", "600", cwd=walk.root)
    assert tok.code == 0, str(tok)
    export = leam("export", "megatron", RUN_DIR(walk), "-q", cwd=walk.root)
    assert export.code == 0, str(export)
    assert "--data-args-path" in export.out
    return walk.run_dir / "megatron"


def RUN_DIR(walk: Walk) -> str:
    return f"runs/{RUN}"


def test_verify_the_shards(walk: Walk):
    result = leam("verify", RUN_DIR(walk), "--json", cwd=walk.root)
    report = json.loads(result.out)
    assert result.code == 0 and report["ok"] and report["rows"] > 0


def test_tokenizer_eval_says_why_a_fertility_is_missing(walk: Walk, exported: Path):
    result = leam("tokenizer", "eval", f"{RUN_DIR(walk)}/tokenizer", "-o", "tok-eval",
                  cwd=walk.root)  # fmt: skip
    assert result.code == 0, str(result)
    assert "fertility -: measured on held-out documents of a run's shards" in result.out
    as_json = leam("tokenizer", "eval", f"{RUN_DIR(walk)}/tokenizer", "-o", "tok-eval",
                   "--json", cwd=walk.root)  # fmt: skip
    assert "tokenizer" in json.loads(as_json.out)["tokenizers"]


def test_export_refuses_a_run_without_shards(walk: Walk, tmp_path: Path):
    """Text from before language ID, filters and redaction is never exported."""
    warc = sorted((walk.run_dir / "crawl" / "warc").glob("*.warc.gz"))[0]
    extracted = leam("extract", warc, "--run-id", "ex", "-q", cwd=tmp_path)
    assert extracted.code == 0, str(extracted)
    tok = walk.run_dir / "tokenizer"
    for source in ("runs/ex", "runs/ex/extract"):
        result = leam("export", "megatron", source, "-t", tok, "-q", cwd=tmp_path)
        assert_one_line_error(result, source)
    assert not (tmp_path / "runs" / "megatron").exists()
    assert not (tmp_path / "runs" / "ex" / "megatron").exists()


def test_export_dry_run_names_what_it_would_write(walk: Walk, exported: Path):
    plan = leam("export", "megatron", RUN_DIR(walk), "--dry-run", cwd=walk.root)
    assert plan.code == 0 and "dry run" in plan.out
    assert f"{RUN_DIR(walk)}/megatron/de_text_document.bin/.idx" in plan.out


def test_train_then_the_same_command_again(walk: Walk, exported: Path):
    args = ("train", exported, "--train-iters", "2", "--eval-iters", "1", "--save", "ck", "-q")
    first = leam(*args, cwd=walk.root)
    assert first.code == 0, str(first)
    summary = walk.root / "ck" / "summary.json"
    written = summary.read_text()
    losses = [ln for ln in first.err.splitlines() if ln.startswith("loss ")]
    assert losses and " after 2 iterations; " in losses[0], str(first)
    # the README's command again: it says the training is done and rewrites nothing
    again = leam(*args, cwd=walk.root)
    assert again.code == 0 and not again.traceback, str(again)
    assert "already trained to iteration 2" in again.err
    assert summary.read_text() == written and json.loads(written)["tokens_per_s"] is not None
    fewer = leam(*args[:2], "--train-iters", "1", "--save", "ck", "-q", cwd=walk.root)
    assert_one_line_error(fewer, "iteration 2", "--train-iters")


def test_validation_losses_are_printed_rounded(walk: Walk, exported: Path):
    result = leam("train", exported, "--train-iters", "1", "--eval-iters", "1", "--save",
                  "ck-valid", cwd=walk.root)  # fmt: skip
    assert result.code == 0, str(result)
    line = next(ln for ln in result.err.splitlines() if ln.startswith("validation loss: "))
    for item in line.removeprefix("validation loss: ").split(", "):
        lang, value = item.split(" ")
        assert len(lang) == 2 and len(value.split(".")[1]) == 4, line
