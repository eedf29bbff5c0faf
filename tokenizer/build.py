"""Shards in, tokenizer folder out: sample, train, save, evaluate, count.

    <out>/tokenizer.json, tokenizer_config.json, special_tokens_map.json   (hf_files.py)
    <out>/training.json      the training record: parameters, sample composition per
                             language, time, peak memory, evaluation summary
    <out>/eval/              report.json, report.md, premium.svg, fertility.svg
    <shards>/tokens.json     tokens per language over the whole corpus (counts.py)

`leam tokenizer train` and the pipeline stage `tokenizer` both call `build_tokenizer`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import tokenizers

from leam.corpus.rundir import write_json_atomic
from leam.tokenizer import hf_files
from leam.tokenizer.counts import write_token_counts
from leam.tokenizer.evaluate import evaluate
from leam.tokenizer.memory import PeakMemory
from leam.tokenizer.parallel import load_parallel
from leam.tokenizer.report import write_report
from leam.tokenizer.sample import BalancedSample, SampleSpec, heldout_texts
from leam.tokenizer.shards import shard_files
from leam.tokenizer.train import TrainSpec, train

RECORD = "training.json"


@dataclass(frozen=True)
class EvalOptions:
    parallel: Path | None = None  # JSONL {group, lang, text}; None: the bundled set
    compare: dict[str, Path] = field(default_factory=dict)  # name → tokenizer.json to compare
    heldout_chars: int = 200_000  # held-out characters per language for the evaluation
    count_tokens: bool = True  # tokens per language over every shard → shards/tokens.json


def default_name(spec: TrainSpec) -> str:
    return f"leam-{spec.model}-{spec.vocab_size // 1024}k"


def build_tokenizer(
    shards_dir: Path,
    out_dir: Path,
    sample: SampleSpec,
    spec: TrainSpec,
    options: EvalOptions | None = None,
) -> dict[str, Any]:
    """Train, save, evaluate; returns the training record (also written to training.json)."""
    options = options or EvalOptions()
    files = shard_files(shards_dir, list(sample.languages) if sample.languages else None)
    start = time.perf_counter()
    with PeakMemory() as memory:
        balanced = BalancedSample(files, sample)  # one pass: what each language offers
        measured = time.perf_counter()
        tok = train(balanced, spec)
        trained = time.perf_counter()
    composition = balanced.composition()
    sampled = sum(c["sampled_bytes"] for c in composition.values())
    if sampled == 0:
        raise ValueError(f"{shards_dir}: the sample is empty (every document held out?)")
    tokenizer_file = hf_files.save_folder(tok, out_dir, list(spec.special_tokens))
    train_s = trained - measured
    record: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "shards": str(shards_dir),
        "tokenizers_version": tokenizers.__version__,
        "params": {"sample": asdict(sample), "train": asdict(spec)},
        "vocab_size": tok.get_vocab_size(),
        "special_tokens": {t: tok.token_to_id(t) for t in spec.specials()},
        "sample": {
            "chars": sum(c["sampled_chars"] for c in composition.values()),
            "bytes": sampled,
            "docs": sum(c["sampled_docs"] for c in composition.values()),
        },
        "composition": composition,
        "time_s": {"measure": round(measured - start, 3), "train": round(train_s, 3)},
        "throughput_mb_s": round(sampled / 1e6 / train_s, 3) if train_s > 0 else None,
        "peak_rss_bytes": memory.peak,
    }
    if tok.get_vocab_size() < spec.vocab_size:
        record["note"] = (
            f"the sample supports {tok.get_vocab_size()} tokens, fewer than the "
            f"{spec.vocab_size} asked: not enough distinct text for that vocabulary"
        )
    name = default_name(spec)
    others = {n: hf_files.load(p) for n, p in options.compare.items()}
    report = evaluate(
        {name: tok, **others},
        heldout=heldout_texts(files, sample, options.heldout_chars),
        parallel=load_parallel(options.parallel),
    )
    write_report(report, out_dir / "eval")
    record["evaluation"] = report["tokenizers"]
    if options.count_tokens:
        counts = write_token_counts(tok, tokenizer_file, files, shards_dir)
        record["corpus_tokens"] = counts["total"]["tokens"]
    write_json_atomic(record, out_dir / RECORD)
    return record
