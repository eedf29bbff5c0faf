"""Tokenizer training: throughput and peak memory as the sample grows, and the premium
spread across EU languages for α = 1.0 (raw proportions), 0.3 and 0.0, in one run.

    python bench/tokenizer_bench.py [--sizes-mb 10 50 100] [--alpha-mb 20] [--vocab 8192 65536]

The corpus is synthetic, built from the bundled sample (pipelines/samples/texts: 20 pages
per EU language): documents of about 1,200 characters made of the language's sentences drawn
in a seeded random order, written as shards (runs/<id>/shards/<lang>/part-NNNNN.parquet).
So its text grows but its distinct words do not: the counting pass scales as on real text,
the merge phase sees a small word list. Say so with the figures.

1. Scaling: equal shares per language, at each size a fresh process trains byte-level BPE
   (64k asked) on the whole corpus: MB of UTF-8 text per second of training (reading the
   shards and sampling included) and the process's peak resident memory.
2. Fairness: a corpus with web-like shares (English about 45 %, Maltese and Irish about
   0.01 %; each language's whole sample at least once), the same 8 M-character training
   budget for each α, at each vocabulary size: premium against English on the bundled
   parallel sentences (tokenizer/data/parallel_eu24.jsonl, not in the training text),
   worst language, spread, and English fertility. max_repeat is raised so that α = 0
   really gives every language its share (here the small languages have little text; on a
   real crawl they have enough).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leam.corpus.languages import EU24
from leam.corpus.schema import SHARD_SCHEMA
from tests.sample_warc import sample_pages

DOC_CHARS = 1200
ROWS_PER_FILE = 20_000
# Illustrative web-like shares (the order of magnitude of Common Crawl's language shares).
WEB_SHARES = {
    "en": 45.0, "de": 6.0, "fr": 4.5, "es": 4.5, "it": 2.5, "nl": 1.8, "pl": 1.8, "pt": 1.5,
    "cs": 1.0, "sv": 0.7, "ro": 0.5, "hu": 0.5, "el": 0.5, "da": 0.4, "fi": 0.4, "sk": 0.3,
    "bg": 0.3, "hr": 0.2, "lt": 0.2, "sl": 0.15, "lv": 0.1, "et": 0.1, "ga": 0.01, "mt": 0.01,
}  # fmt: skip


def _sentences() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for page in sample_pages(list(EU24)):
        parts = re.split(r"(?<=[.!?;])\s+", f"{page.title}. {page.text}")
        out.setdefault(page.lang, []).extend(p for p in parts if p.strip())
    return out


def write_corpus(shards: Path, chars: dict[str, int], seed: int = 0) -> int:
    """Shards with about `chars[lang]` characters per language; returns UTF-8 bytes written."""
    rng = random.Random(seed)
    total = 0
    for lang, sentences in _sentences().items():
        want = max(chars.get(lang, 0), sum(len(s) + 1 for s in sentences))  # all, at least once
        rows, written, order = [], 0, []
        while written < want:
            doc, n = [], 0
            while n < DOC_CHARS:
                if not order:
                    order = sentences[:]
                    rng.shuffle(order)
                s = order.pop()
                doc.append(s)
                n += len(s) + 1
            text = " ".join(doc)
            rows.append({"id": f"{lang}-{len(rows):08d}", "text": text, "lang": lang})
            written += len(text)
            total += len(text.encode("utf-8"))
        folder = shards / lang
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(0, len(rows), ROWS_PER_FILE):
            table = pa.Table.from_pylist(rows[i : i + ROWS_PER_FILE], schema=SHARD_SCHEMA)
            pq.write_table(table, folder / f"part-{i // ROWS_PER_FILE:05d}.parquet")
    return total


def _train(args: tuple[str, str, dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """One training in this (fresh) process: the training record."""
    from leam.tokenizer.build import EvalOptions, build_tokenizer
    from leam.tokenizer.sample import SampleSpec
    from leam.tokenizer.train import TrainSpec

    shards, out, sample, train = args
    return build_tokenizer(
        Path(shards), Path(out), SampleSpec(**sample), TrainSpec(**train),
        EvalOptions(count_tokens=False, heldout_chars=20_000),
    )  # fmt: skip


def train_in_fresh_process(shards: Path, out: Path, sample: dict, train: dict) -> dict:
    ctx = multiprocessing.get_context("spawn")  # a new process: its peak memory is this run's
    with ctx.Pool(1) as pool:
        return pool.map(_train, [(str(shards), str(out), sample, train)])[0]


def scaling(root: Path, sizes_mb: list[int]) -> None:
    print("| sample | MB of text | train s | MB/s | peak RSS MiB | vocabulary reached |")
    print("|---|---|---|---|---|---|")
    for mb in sizes_mb:
        shards = root / f"scale-{mb}" / "shards"
        per_lang = mb * 1_000_000 // len(EU24) // 1.3  # ~1.3 bytes per character on average
        write_corpus(shards, {lang: int(per_lang) for lang in EU24})
        rec = train_in_fresh_process(shards, shards.parent / "tok", {"heldout": 0.001}, {})
        mbytes = rec["sample"]["bytes"] / 1e6
        print(
            f"| {mb} MB | {mbytes:.1f} | {rec['time_s']['train']:.1f} | "
            f"{rec['throughput_mb_s']:.2f} | {rec['peak_rss_bytes'] / 2**20:.0f} | "
            f"{rec['vocab_size']} |",
            flush=True,
        )


def fairness(root: Path, total_mb: int, vocabs: list[int], budget: int) -> None:
    shards = root / "web" / "shards"
    norm = sum(WEB_SHARES.values())
    chars = {lang: int(total_mb * 1e6 / 1.3 * s / norm) for lang, s in WEB_SHARES.items()}
    write_corpus(shards, chars, seed=1)
    print("\n| vocabulary | α | worst premium | spread | mean premium | en fertility | "
          "mt share of sample |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    per_lang: dict[str, dict[str, float]] = {}
    for vocab in vocabs:
        for alpha in (1.0, 0.3, 0.0):
            out = root / "web" / f"tok-{vocab}-{alpha}"
            sample = {"alpha": alpha, "max_chars": budget, "heldout": 0.0, "max_repeat": 10_000}
            rec = train_in_fresh_process(shards, out, sample, {"vocab_size": vocab})
            s = next(iter(rec["evaluation"].values()))
            print(
                f"| {rec['vocab_size']} | {alpha} | {s['worst_premium']:.3f} "
                f"({s['worst_premium_lang']}) | {s['premium_spread']:.3f} | "
                f"{s['mean_premium']:.3f} | {s['reference_fertility_parallel']:.3f} | "
                f"{rec['composition']['mt']['sampled_share']:.4f} |",
                flush=True,
            )
            report = json.loads((out / "eval" / "report.json").read_text())
            name = next(iter(report["parallel"]))
            per_lang[f"{vocab} α={alpha}"] = {
                lang: r["premium"] for lang, r in report["parallel"][name].items()
            }
    langs = sorted(EU24)
    print("\n| tokenizer | " + " | ".join(langs) + " |")
    print("|---|" + "---|" * len(langs))
    for name, prem in per_lang.items():
        print(f"| {name} | " + " | ".join(f"{prem[lang]:.2f}" for lang in langs) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes-mb", type=int, nargs="*", default=[10, 50, 100])
    parser.add_argument("--alpha-mb", type=int, default=20, help="web-like corpus size")
    parser.add_argument("--vocab", type=int, nargs="*", default=[8192, 16384, 32768, 65536])
    parser.add_argument("--budget-chars", type=int, default=8_000_000)
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if args.sizes_mb:
            scaling(Path(tmp), args.sizes_mb)
        if args.vocab:
            fairness(Path(tmp), args.alpha_mb, args.vocab, args.budget_chars)
    print(f"\n(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
