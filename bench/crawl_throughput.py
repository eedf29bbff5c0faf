"""Pages per second of `leam crawl` on a local multilingual site.

    python bench/crawl_throughput.py [--copies 1] [--workers 2]

Serves the bundled sample pages (600, every language; `--copies` times under distinct
paths) from 127.0.0.1, in this process, and crawls them with the real crawler on a local Ray
runtime: once as one host fetched one request at a time by one worker (concurrency 1), and
once spread over 8 hosts crawled in parallel (one request in flight per host, `--workers`
workers). No per-host delay: this measures the crawler, not politeness. The figure is
pages fetched over the crawl's wall time (Ray's start excluded; robots.txt, ai.txt and
tdmrep.json requests not counted as pages).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from leam.corpus.progress import PipelineProgress
from leam.corpus.rundir import RunDir
from leam.corpus.runtime import Runtime, RuntimeOptions
from leam.pipelines.crawl.localsite import SiteServer, link_sites, multilingual_sites
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.crawl.runcrawl import run_crawl
from tests.sample_warc import sample_pages


def crawl_once(root: Path, name: str, hosts: int, workers: int, copies: int) -> tuple[int, float]:
    base = sample_pages()
    pages = [
        replace(p, url=p.url.replace(".html", f"-{c}.html")) for c in range(copies) for p in base
    ]
    sites = multilingual_sites(pages, hosts)
    with SiteServer(sites) as server:
        link_sites(sites, server.hosts)
        seeds = [server.url(i) for i in range(hosts)]
        options = CrawlOptions(
            allow_private=True,
            delay_s=0.0,
            max_depth=1,
            max_pages=100_000,
            partitions=max(hosts, 1),
        )
        runtime = Runtime(RuntimeOptions(workers=workers))
        progress = PipelineProgress(Console(stderr=True), enabled=False)
        record = run_crawl(RunDir(root / name), name, seeds, [], options, runtime, progress)
    crawl = record["crawl"]
    assert crawl["status"] == "complete", crawl
    return crawl["pages_fetched"], crawl["last_wall_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    Runtime(RuntimeOptions(workers=args.workers))  # start Ray once, outside the timings
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'case':<34} {'pages':>6} {'wall s':>7} {'pages/s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            ("1 host, concurrency 1, 1 worker", 1, 1),
            (f"8 hosts in parallel, {args.workers} workers", 8, args.workers),
        ]
        for i, (label, hosts, workers) in enumerate(cases):
            crawl_once(Path(tmp), f"warm-{i}", hosts, workers, 1)  # warm the Ray workers
            pages, wall = crawl_once(Path(tmp), f"run-{i}", hosts, workers, args.copies)
            print(f"{label:<34} {pages:>6} {wall:>7.2f} {pages / wall:>8.1f}")


if __name__ == "__main__":
    main()
