"""The crawl over Ray: rounds of partition tasks, links routed between partitions.

Hosts map to partitions by a stable hash (`partitions` is fixed for the life of a crawl),
and the driver never runs two tasks for one partition at once, so two workers never send
requests to the same host and per-host limits hold across the cluster. A round runs a task
for every partition with queued URLs (at most `--workers` at once, through corpus.runtime);
each task crawls its hosts until its queue is empty or its share of the page budget is
spent. Links to other partitions' hosts wait in the journal (`out` events) until the round
ends; the driver then queues them in their partition (`q` events) and starts another round.

Everything the driver knows it reads back from the journals, so a crawl killed at any
moment resumes with the same run id: queued URLs are still queued, decided ones are not
taken up again, and links found but not yet routed are routed then.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leam.corpus.progress import PipelineProgress
from leam.corpus.rundir import write_parquet_atomic
from leam.corpus.runtime import Runtime
from leam.corpus.schema import CRAWL_LOG_SCHEMA
from leam.pipelines.crawl.journal import CrawlDir, Entry, Journal, partition_of_journal
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.crawl.urls import Scope, host_key, partition_of
from leam.pipelines.crawl.worker import PartitionTask, crawl_partition


@dataclass
class _Partition:
    journal: Journal
    offset: int = 0
    seen: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    fetched: int = 0

    @property
    def pending(self) -> int:
        return len(self.seen) - len(self.done & self.seen)


@dataclass
class CrawlResult:
    status: str  # complete | budget_reached | incomplete
    rounds: int
    fetched: int
    pending: int
    failures: list[dict[str, Any]]
    wall_s: float


class CrawlDriver:
    def __init__(
        self, crawl_dir: CrawlDir, run_id: str, options: CrawlOptions, scope: Scope
    ) -> None:
        self.dir, self.run_id, self.o, self.scope = crawl_dir, run_id, options, scope
        self.parts: dict[int, _Partition] = {}
        self._outs: list[Entry] = []
        self.read_journals()

    def _part(self, p: int) -> _Partition:
        if p not in self.parts:
            self.parts[p] = _Partition(Journal(self.dir.journal(p)))
        return self.parts[p]

    def read_journals(self) -> int:
        """Reads what the tasks appended since the last call; returns the events read."""
        for path in self.dir.journals():  # tasks create journals of partitions they touch
            self._part(partition_of_journal(path))
        count = 0
        for part in self.parts.values():
            events, part.offset = part.journal.read(part.offset)
            count += len(events)
            for ev in events:
                if ev["e"] == "q":
                    part.seen.add(ev["url"])
                elif ev["e"] == "done":
                    part.done.add(ev["url"])
                    part.fetched += bool(ev["row"]["fetched"])
                elif ev["e"] == "out":
                    self._outs.append(Entry.of(ev))
        return count

    def queue(self, entries: list[Entry]) -> int:
        """Queues entries in their host's partition unless seen there; returns how many."""
        by_part: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for entry in entries:
            part_id = partition_of(host_key(entry.url), self.o.partitions)
            part = self._part(part_id)
            if entry.url not in part.seen:
                part.seen.add(entry.url)
                by_part[part_id].append(entry.event("q"))
        for part_id, events in by_part.items():
            part = self.parts[part_id]
            part.journal.append(events)
            part.journal.close()
            _, part.offset = part.journal.read(part.offset)  # our own lines: already applied
        return sum(map(len, by_part.values()))

    def route_outs(self) -> int:
        outs, self._outs = self._outs, []
        return self.queue(outs)

    @property
    def fetched(self) -> int:
        return sum(p.fetched for p in self.parts.values())

    @property
    def pending(self) -> int:
        return sum(p.pending for p in self.parts.values())

    def _budgets(self) -> dict[int, int]:
        active = sorted(p for p, part in self.parts.items() if part.pending)
        left = self.o.max_pages - self.fetched
        if not active or left <= 0:
            return {}
        base, extra = divmod(left, len(active))
        budgets = {p: base + (1 if i < extra else 0) for i, p in enumerate(active)}
        return {p: b for p, b in budgets.items() if b > 0}

    def run(self, runtime: Runtime, progress: PipelineProgress) -> CrawlResult:
        start = time.perf_counter()
        self.route_outs()
        rounds = 0
        failures: list[dict[str, Any]] = []
        options_json = self.o.model_dump_json()
        while budgets := self._budgets():
            rounds += 1
            bar = progress.stage(f"crawl {rounds}", len(budgets), 0)
            tasks = [
                PartitionTask(str(self.dir.root), self.run_id, p, b, options_json, self.scope)
                for p, b in budgets.items()
            ]
            failed = runtime.map(
                crawl_partition,
                tasks,
                on_done=lambda t, r, bar=bar: bar.file_done(),
                on_docs=bar.docs,
            )
            failures += [{"partition": f.item.partition, "error": f.error} for f in failed]
            moved = self.read_journals() + self.route_outs()
            if failed or not moved:
                break
        pending = self.pending
        if failures:
            status = "incomplete"
        elif pending:
            status = "budget_reached" if self.fetched >= self.o.max_pages else "incomplete"
        else:
            status = "complete"
        wall = time.perf_counter() - start
        return CrawlResult(status, rounds, self.fetched, pending, failures, wall)

    def write_log(self) -> Counter[tuple[str, str]]:
        """Writes crawl/log/p-NNNNN.parquet from the journals (the log is derived, so it is
        rewritten whole); returns the rows by (decision, signal)."""
        counts: Counter[tuple[str, str]] = Counter()
        for p, part in sorted(self.parts.items()):
            events, _ = part.journal.read()
            rows = [ev["row"] for ev in events if ev["e"] == "done"]
            if not rows:
                continue
            write_parquet_atomic(rows, CRAWL_LOG_SCHEMA, self.dir.log_part(p))
            counts.update((r["decision"], r["signal"] or "-") for r in rows)
        return counts


def journal_rows(crawl_root: Path) -> list[dict[str, Any]]:
    """Every crawl-log row in the journals (what `write_log` writes), for tests and tools."""
    rows = []
    for path in CrawlDir(crawl_root).journals():
        events, _ = Journal(path).read()
        rows += [ev["row"] for ev in events if ev["e"] == "done"]
    return rows
