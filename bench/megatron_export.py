"""Tokens/s of `leam export megatron` against datatrove's MegatronDocumentTokenizer, side by
side on the same shards and tokenizer.

    python bench/megatron_export.py [--docs 40000] [--workers 2] [--repeat 2] [--tokenizer T]

Writes `--docs` documents (the bundled sample texts of every language, words in a seeded
random order so that no two repeat) as shards, one file per language
(<tmp>/shards/<lang>/part-00000.parquet, SHARD_SCHEMA), trains a byte-level BPE on the
sample (or takes `--tokenizer`), then runs, alternately and `--repeat` times each, in
fresh processes:

  ours       `leam export megatron` with `--workers` Ray workers: tokenize every shard, merge
             per language, blend, lineage; tokens/s of the tokenize pass (export.json) and of
             the whole command (Ray start included)
  datatrove  ParquetReader → MegatronDocumentTokenizer (EOS appended) on a
             LocalPipelineExecutor with as many tasks and workers; one .bin/.idx per task,
             no merge, no lineage

Both encode with the same Hugging Face tokenizer and append the same EOS; the totals are
checked to agree.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from leam.corpus.schema import SHARD_SCHEMA, doc_id
from leam.trainer.indexed import IndexedDataset
from tests.sample_warc import sample_pages

DATATROVE = """
import sys, time
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.tokens import MegatronDocumentTokenizer
shards, out, tok, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
steps = [ParquetReader(shards, glob_pattern="*/*.parquet", text_key="text", id_key="id"),
         MegatronDocumentTokenizer(out, tokenizer_name_or_path=tok, eos_token="</s>")]
start = time.perf_counter()
LocalPipelineExecutor(steps, tasks=workers, workers=workers, logging_dir=out + "/logs").run()
print(time.perf_counter() - start)
"""


def write_shards(shards: Path, n: int) -> int:
    """n documents over one shard per language; returns the UTF-8 bytes of text."""
    pages = sample_pages()
    rows: dict[str, list[dict]] = {}
    size = 0
    for i in range(n):
        page = pages[i % len(pages)]
        words = page.text.split(" ")
        random.Random(i).shuffle(words)
        text = " ".join(words)
        size += len(text.encode())
        url = f"{page.url}?copy={i}"
        rows.setdefault(page.lang, []).append(
            {"id": doc_id(url, url), "url": url, "text": text, "lang": page.lang}
        )
    for lang, docs in rows.items():
        (shards / lang).mkdir(parents=True)
        table = pa.Table.from_pylist(docs, schema=SHARD_SCHEMA)
        pq.write_table(table, shards / lang / "part-00000.parquet", compression="zstd")
    return size


def train_tokenizer(folder: Path, vocab_size: int) -> Path:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)  # fmt: skip
    tok.train_from_iterator([p.text for p in sample_pages()], trainer)
    folder.mkdir(parents=True)
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"eos_token": "</s>"}))
    return folder


def run_ours(shards: Path, out: Path, tok: Path, workers: int) -> dict:
    leam = Path(sys.executable).with_name("leam")
    cmd = [str(leam), "export", "megatron", str(shards), "-t", str(tok), "-o", str(out), "-q",
           "-w", str(workers)]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    record = json.loads((out / "export.json").read_text())
    return {"tokens": record["tokens"], "work_s": record["tokenize_s"], "wall_s": wall,
            "merge_s": record["merge_s"]}  # fmt: skip


def run_datatrove(shards: Path, out: Path, tok: Path, workers: int) -> dict:
    cmd = [sys.executable, "-c", DATATROVE, str(shards), str(out), str(tok / "tokenizer.json"),
           str(workers)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    tokens = sum(IndexedDataset(p.with_suffix("")).num_tokens for p in out.glob("*.idx"))
    return {"tokens": tokens, "work_s": float(proc.stdout.split()[-1]), "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--vocab-size", type=int, default=16_000)
    parser.add_argument("--tokenizer", type=Path, help="a tokenizer folder (tokenizer.json)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text_bytes = write_shards(root / "shards", args.docs)
        tok = args.tokenizer or train_tokenizer(root / "tok", args.vocab_size)
        vocab = Tokenizer.from_file(str(tok / "tokenizer.json")).get_vocab_size()
        langs = len(list((root / "shards").iterdir()))
        print(f"{args.docs:,} documents, {text_bytes / 1e6:.1f} MB of text, "
              f"{langs} languages, vocabulary {vocab:,}")  # fmt: skip
        results: dict[str, list[dict]] = {"ours": [], "datatrove": []}
        for r in range(args.repeat):
            for name, fn in (("ours", run_ours), ("datatrove", run_datatrove)):
                results[name].append(fn(root / "shards", root / f"{name}-{r}", tok, args.workers))
        totals = {r["tokens"] for runs in results.values() for r in runs}
        assert len(totals) == 1, f"token totals differ: {totals}"
        tokens = totals.pop()
        print(f"\n{tokens:,} tokens; median of {args.repeat} runs, {args.workers} workers\n")
        print("| tool | tokenize s | tokens/s (tokenize) | command s | tokens/s (command) | MB/s |")
        print("|---|---|---|---|---|---|")
        for name, runs in results.items():
            work = statistics.median(r["work_s"] for r in runs)
            wall = statistics.median(r["wall_s"] for r in runs)
            print(f"| {name} | {work:.1f} | {tokens / work:,.0f} | {wall:.1f} | "
                  f"{tokens / wall:,.0f} | {text_bytes / 1e6 / wall:.2f} |")  # fmt: skip
        merge = statistics.median(r["merge_s"] for r in results["ours"])
        print(f"\nours: merge pass {merge:.2f} s (datatrove leaves one file per task)")


if __name__ == "__main__":
    main()
