"""Dedup at scale: signature speed, and end-to-end time and memory as the input grows.

    python bench/dedup_scaling.py --sizes 10000 100000 1000000 --datatrove-max 100000

1. MinHash signatures/s: ours (numpy over a batch) against datasketch's per-document
   MinHash, on the same documents and shingles.
2. For each size: a synthetic corpus (documents of 6-10 sentences drawn from the bundled
   sample, one language each, 10 % of them edited copies of earlier ones) in 8 Parquet
   parts; `leam run` with the dedup stage alone (2 workers), and, up to --datatrove-max,
   datatrove's MinHash stages (signature → buckets → cluster → filter, 2 tasks, 2 workers,
   same threshold) on the same parts. Wall time, documents/s and the peak memory of the
   whole process tree (sampled every 0.2 s) side by side.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psutil
from datasketch import MinHash

from leam.corpus.rundir import write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, doc_id, empty_doc
from leam.pipelines.dedup.minhash import MinHasher, shingle_hashes
from tests.dup_variants import variant
from tests.sample_warc import sample_pages

PARTS = 8
LEAM = str(Path(sys.executable).parent / "leam")


def corpus(n: int, rng: random.Random) -> list[dict]:
    pool: dict[str, list[str]] = {}
    for page in sample_pages():
        pool.setdefault(page.lang, []).extend(re.split(r"(?<=[.!?])\s+|(?<=[。！？])", page.text))
    langs = sorted(pool)
    docs: list[dict] = []
    for i in range(n):
        if docs and rng.random() < 0.1:
            base = rng.choice(docs)
            text, lang = variant(base["text"], rng), base["lang"]
        else:
            lang = rng.choice(langs)
            text = " ".join(rng.choices(pool[lang], k=rng.randint(6, 10)))
        url = f"https://site-{i % 997}.example/{lang}/{i}"
        source = {
            "warc_file": "synthetic",
            "offset": i,
            "record_id": str(i),
            "warc_date": "2024-06-01T00:00:00Z",
        }
        docs.append(empty_doc(id=doc_id(url, str(i)), url=url, text=text, lang=lang, source=source))
    return docs


def peak_rss(cmd: list[str]) -> tuple[float, float]:
    """Runs cmd; returns (wall seconds, peak MB of its whole process tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 1e6)
            except psutil.Error:
                pass
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    done.set()
    if proc.returncode:
        raise RuntimeError(err.decode()[-2000:])
    return time.perf_counter() - start, peak


DATATROVE = textwrap.dedent(
    """
    import sys
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets,
        MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.readers import ParquetReader
    from datatrove.pipeline.writers import ParquetWriter
    from datatrove.utils.hashing import HashConfig
    src, work, bands, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    config = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"), num_buckets=bands,
                           hashes_per_bucket=rows, n_grams=5)
    read = lambda: ParquetReader(src, text_key="text", id_key="id")
    run = lambda steps, tasks: LocalPipelineExecutor(steps, tasks=tasks, workers=2,
        logging_dir=f"{work}/logs/{len(steps)}-{tasks}-{id(steps)}").run()
    run([read(), MinhashDedupSignature(f"{work}/sigs", config=config)], 2)
    run([MinhashDedupBuckets(f"{work}/sigs", f"{work}/buckets", config=config)], bands)
    run([MinhashDedupCluster(f"{work}/buckets", f"{work}/remove_ids", config=config)], 1)
    run([read(), MinhashDedupFilter(f"{work}/remove_ids"), ParquetWriter(f"{work}/out")], 2)
    """
)


def signature_speed(docs: list[dict]) -> None:
    texts, langs = [d["text"] for d in docs], [d["lang"] for d in docs]
    hasher = MinHasher()
    hasher.signatures(texts[:10], langs[:10])
    start = time.perf_counter()
    hasher.signatures(texts, langs)
    ours = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    for text, lang in zip(texts, langs, strict=True):
        m = MinHash(num_perm=128, hashfunc=lambda v: v)
        m.update_batch(shingle_hashes(text, lang, 5).tolist())
    theirs = len(texts) / (time.perf_counter() - start)
    print(f"signatures, {len(texts)} documents: ours {ours:,.0f} docs/s, "
          f"datasketch per document {theirs:,.0f} docs/s ({ours / theirs:.1f}x)\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--datatrove-max", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(1)
    signature_speed(corpus(5000, rng))
    bands, rows = MinHasher().bands
    print("| documents | tool | wall s | docs/s | peak MB | removed |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            docs = corpus(n, rng)
            parts = []
            for p in range(PARTS):
                parts.append(str(root / "in" / f"part-{p:05d}.parquet"))
                write_parquet_atomic(docs[p::PARTS], DOC_SCHEMA, Path(parts[-1]))
            del docs
            pipeline = root / "dedup.yaml"
            pipeline.write_text(json.dumps({"name": "d", "stages": [{"stage": "dedup"}]}))
            cmd = [
                LEAM,
                "run",
                str(pipeline),
                *parts,
                "--runs-dir",
                str(root / "runs"),
                "--run-id",
                "r",
                "-q",
            ]
            wall, peak = peak_rss(cmd)
            removed = json.loads((root / "runs/r/run.json").read_text())["stages"]["dedup"][
                "docs_rejected"
            ]
            print(
                f"| {n:,} | leam | {wall:.1f} | {n / wall:,.0f} | {peak:,.0f} | {removed:,} |",
                flush=True,
            )
            if n <= args.datatrove_max:
                cmd = [
                    sys.executable,
                    "-c",
                    DATATROVE,
                    str(root / "in"),
                    str(root / "dt"),
                    str(bands),
                    str(rows),
                ]
                wall, peak = peak_rss(cmd)
                import pyarrow.parquet as pq

                kept = pq.ParquetDataset(str(root / "dt" / "out")).read().num_rows
                row = f"| {n:,} | datatrove | {wall:.1f} | {n / wall:,.0f} | {peak:,.0f} |"
                print(f"{row} {n - kept:,} |", flush=True)


if __name__ == "__main__":
    main()
