"""A crawl as `leam crawl` runs it: seeds in, WARC + crawl log + run.json out, resumable.

    runs/<run-id>/
      run.json                  `crawl`: user agent, options, seeds, figures by decision
      crawl/frontier/p-*.jsonl  journals: the frontier and seen-set (pipelines.crawl.journal)
      crawl/warc/*.warc.gz      pages: the input of `leam run` (extract)
      crawl/policy/*.warc.gz    robots.txt, ai.txt, tdmrep.json as fetched: the evidence
      crawl/log/p-*.parquet     crawl log, one row per URL (corpus.schema.CRAWL_LOG_SCHEMA)

Running it again with the same run id resumes (more seeds and a larger --max-pages may be
given); the number of host partitions must stay the same, since it decides who owns a host.

Into object storage (a run dir URL) the crawl works in the run's local mirror: crawl/ is
fetched first (resume reads the journals and cuts the WARC files back to them), and what
the crawl wrote is uploaded when it ends or is interrupted, the journals last, so that a
store never holds a journal that names pages its WARC files lack. A crawl killed outright
loses what it fetched since it started; the same command fetches it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from leam.corpus import runrecord
from leam.corpus.progress import PipelineProgress
from leam.corpus.rundir import CRAWL_DIR, RunDir, read_json
from leam.corpus.runtime import Runtime
from leam.pipelines.crawl.driver import CrawlDriver
from leam.pipelines.crawl.journal import CrawlDir, Entry
from leam.pipelines.crawl.options import CrawlConfigError, CrawlOptions
from leam.pipelines.crawl.urls import Scope, normalise


def read_seed_file(path: Path) -> list[str]:
    """URLs one a line; blank lines and `#` comments are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _normalised(urls: Iterable[str]) -> list[str]:
    out = []
    for url in urls:
        norm = normalise(url)
        if norm is None:
            raise CrawlConfigError(f"not an http(s) URL: {url!r}")
        if norm not in out:
            out.append(norm)
    return out


def _open_record(run_dir: RunDir, run_id: str) -> dict[str, Any]:
    if run_dir.fetch(run_dir.record, missing_ok=True).exists():
        return read_json(run_dir.record)
    return {
        "run_id": run_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": runrecord.code_version(),
        "status": "crawling",
        "stages": {},
    }


def run_crawl(
    run_dir: RunDir,
    run_id: str,
    seeds: list[str],
    sitemaps: list[str],
    options: CrawlOptions,
    runtime: Runtime,
    progress: PipelineProgress,
) -> dict[str, Any]:
    """Crawls (or resumes); returns the run record, whose `crawl` key holds the figures."""
    record = _open_record(run_dir, run_id)
    previous = record.get("crawl") or {}
    if previous and previous["options"]["partitions"] != options.partitions:
        raise CrawlConfigError(
            f"{run_dir.root} was crawled with {previous['options']['partitions']} host "
            f"partitions; resume with the same number (or use a new --run-id)"
        )
    seeds = _normalised([*previous.get("seeds", []), *seeds])
    sitemaps = _normalised([*previous.get("sitemaps", []), *sitemaps])
    if not seeds and not sitemaps:
        raise CrawlConfigError("no seeds: give a seed file, --url or --sitemap")
    scope = Scope.build(options.scope, seeds + sitemaps, options.include, options.exclude)
    run_dir.root.mkdir(parents=True, exist_ok=True)
    crawl_dir = CrawlDir(run_dir.root / CRAWL_DIR)
    run_dir.pull(crawl_dir.root)  # a run on a store: its crawl so far, into the mirror
    before = run_dir.snapshot()
    driver = CrawlDriver(crawl_dir, run_id, options, scope)
    driver.queue([Entry(u, 0) for u in seeds] + [Entry(u, 0, kind="sitemap") for u in sitemaps])
    record["crawl"] = {
        **previous,
        "user_agent": options.user_agent,
        "robots_token": options.robots_token,
        "options": options.model_dump(mode="json"),
        "seeds": seeds,
        "sitemaps": sitemaps,
        "status": "running",
        "resumed": previous.get("resumed", -1) + 1,
    }
    runrecord.save(run_dir, record)
    try:
        result = driver.run(runtime, progress)
    except KeyboardInterrupt:  # the journal holds what was decided: the same command resumes
        record["crawl"]["status"] = "interrupted"
        if "pipeline" not in record:
            record["status"] = "crawl interrupted"
        run_dir.upload_changed(before, last=crawl_dir.journal(0).parent)
        runrecord.save(run_dir, record)
        raise
    counts = driver.write_log()
    run_dir.upload_changed(before, last=crawl_dir.journal(0).parent)
    by_decision: dict[str, dict[str, int]] = {}
    for (decision, signal), n in sorted(counts.items()):
        by_decision.setdefault(decision, {})[signal] = n
    wall = previous.get("wall_s", 0.0) + result.wall_s
    record["crawl"].update(
        status=result.status,
        rounds=previous.get("rounds", 0) + result.rounds,
        pages_fetched=result.fetched,
        urls_decided=sum(counts.values()),
        urls_pending=result.pending,
        by_decision=by_decision,  # decision → signal ("-": none) → URLs
        failures=result.failures,
        wall_s=round(wall, 3),
        last_wall_s=round(result.wall_s, 3),
        warc_dir=str(crawl_dir.warc.relative_to(run_dir.root)),
        log_dir=str(crawl_dir.log.relative_to(run_dir.root)),
    )
    if "pipeline" not in record:
        record["status"] = f"crawl {result.status}"
    runrecord.save(run_dir, record)
    return record
