"""Documents/s of the shard stage, per pass, and the size of the shards it writes.

    python bench/shard_throughput.py [--docs 200000] [--parts 8] [--target-mb 64]

Writes `--docs` documents (the bundled sample texts, cycling through every language, each
with its words in a seeded random order so that no two texts repeat and zstd sees text as
varied as real pages) into `--parts` Parquet parts, runs the `shard` stage alone with 1 and with 2
workers, and prints per run: wall time of each pass (profile, scatter, gather), documents
and MB of text per second, the shards written, and the zstd file size against the text.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from leam.corpus.rundir import write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, doc_id, empty_doc
from tests.sample_warc import iter_chunks, sample_pages


def _docs(n: int) -> list[dict]:
    pages = sample_pages()
    docs = []
    for i in range(n):
        page = pages[i % len(pages)]
        words = page.text.split(" ")
        random.Random(i).shuffle(words)
        url = f"{page.url}?copy={i}"
        source = {"warc_file": "bench.warc.gz", "offset": i, "record_id": url,
                  "warc_date": f"2024-0{1 + i % 9}-01T00:00:00Z"}  # fmt: skip
        docs.append(
            empty_doc(id=doc_id(url, url), url=url, domain=url.split("/")[2], text=" ".join(words),
                      title=page.title, source=source, lang=page.lang, dup_cluster_size=1)
        )  # fmt: skip
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--target-mb", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs = _docs(args.docs)
        text_mb = sum(len(d["text"].encode()) for d in docs) / 1e6
        inputs = []
        for i, chunk in enumerate(iter_chunks(docs, args.parts)):
            inputs.append(str(root / "in" / f"part-{i}.parquet"))
            write_parquet_atomic(chunk, DOC_SCHEMA, Path(inputs[-1]))
        del docs
        in_mb = sum(Path(p).stat().st_size for p in inputs) / 1e6
        print(f"{args.docs:,} documents, {text_mb:.0f} MB of text, {args.parts} parts "
              f"({in_mb:.0f} MB zstd Parquet)\n")  # fmt: skip
        print("| workers | profile s | scatter s | gather s | stage wall s | docs/s | MB text/s "
              "| shards | shard files MB | files / text |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        pipeline = root / "shard.yaml"
        stage = {"stage": "shard", "params": {"target_bytes": args.target_mb << 20}}
        pipeline.write_text(json.dumps({"name": "bench", "stages": [stage]}))
        leam = str(Path(sys.executable).parent / "leam")
        for workers in (1, 2):
            run_id = f"w{workers}"
            cmd = [leam, "run", str(pipeline), *inputs, "--runs-dir", str(root / "runs"),
                   "--run-id", run_id, "--workers", str(workers), "-q"]  # fmt: skip
            subprocess.run(cmd, check=True, capture_output=True)
            record = json.loads((root / "runs" / run_id / "run.json").read_text())
            s = record["stages"]["shard"]
            p = s["prepared"]
            files_mb = p["file_bytes"] / 1e6
            print(f"| {workers} | {p['profile_s']:.1f} | {p['scatter_s']:.1f} | "
                  f"{p['gather_s']:.1f} | {s['wall_s']:.1f} | {s['docs_in'] / s['wall_s']:,.0f} | "
                  f"{text_mb / s['wall_s']:.1f} | {p['shards']} | {files_mb:.0f} | "
                  f"{files_mb / text_mb:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
