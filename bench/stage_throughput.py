"""Documents per second of the extract and langid stages on the bundled sample.

    python bench/stage_throughput.py [--copies 5] [--files 4]

Writes the sample pages (every language, `--copies` times under distinct URLs and titles,
so that the payloads differ: eu24 extracts a payload once per WARC file) into
`--files` WARC files, runs the `eu24` preset with 1 and with 2 workers, and prints per stage:
documents/s (wall), documents per CPU-second, and the share of the run's CPU time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from tests.sample_warc import iter_chunks, sample_pages, write_sample_warc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--files", type=int, default=4)
    args = parser.parse_args()
    base = sample_pages()
    pages = [
        replace(p, url=f"{p.url}?copy={c}", title=f"{p.title} ({c})")
        for c in range(args.copies)
        for p in base
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = []
        for i, chunk in enumerate(iter_chunks(pages, args.files)):
            inputs.append(str(root / f"bench-{i}.warc.gz"))
            write_sample_warc(Path(inputs[-1]), chunk)
        size = sum(Path(p).stat().st_size for p in inputs)
        print(f"{len(pages)} pages in {args.files} WARC files ({size / 1e6:.1f} MB gzipped)\n")
        print("| workers | stage | docs in | wall s | docs/s | CPU s | docs per CPU-s |")
        print("|---|---|---|---|---|---|---|")
        leam = str(Path(sys.executable).parent / "leam")
        for workers in (1, 2):
            run_id = f"w{workers}"
            cmd = [leam, "run", "eu24", *inputs, "--runs-dir", str(root / "runs"),
                   "--run-id", run_id, "--workers", str(workers), "-q"]  # fmt: skip
            subprocess.run(cmd, check=True, capture_output=True)
            record = json.loads((root / "runs" / run_id / "run.json").read_text())
            for name, s in record["stages"].items():
                print(f"| {workers} | {name} | {s['docs_in']} | {s['wall_s']:.1f} | "
                      f"{s['docs_in'] / s['wall_s']:.0f} | {s['cpu_s']:.1f} | "
                      f"{s['docs_in'] / s['cpu_s']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
