"""The crawl's persistent state: one append-only journal per host partition.

    runs/<id>/crawl/frontier/p-00042.jsonl

Each line is an event, flushed as it happens:
    {"e": "q", "url", "depth", "via", "hops", "kind"}   URL queued here (the seen-set)
    {"e": "out", ...same fields...}                       URL found for another partition
    {"e": "done", "url", "row": {crawl-log row}, "t", "end"}    URL decided (and fetched)
    {"e": "policy", "host", "file": {PolicyFile}, "warc_file", "end", "t"}  policy fetched

The frontier is what was queued and is not done; the seen-set is what was queued. A worker
writes a URL's `q`/`out` events for the links it found before the URL's `done`, and `done`
only after its WARC records are flushed, so a kill at any point loses nothing that a resume
would not redo, and never refetches what is already in WARC. While a partition's task
runs, only that task writes its journal; the driver appends `q` events between rounds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from leam.corpus.rundir import CRAWL_LOG_DIR, CRAWL_WARC_DIR


@dataclass(frozen=True)
class Entry:
    """A URL in the frontier."""

    url: str
    depth: int
    via: str | None = None
    hops: int = 0  # redirects followed to get here
    kind: str = "page"  # page | sitemap

    def event(self, kind: str) -> dict[str, Any]:
        return {"e": kind, **asdict(self)}

    @classmethod
    def of(cls, event: dict[str, Any]) -> Entry:
        return cls(event["url"], event["depth"], event["via"], event["hops"], event["kind"])


@dataclass(frozen=True)
class CrawlDir:
    """Paths under runs/<id>/crawl/."""

    root: Path

    def journal(self, partition: int) -> Path:
        return self.root / "frontier" / f"p-{partition:05d}.jsonl"

    def journals(self) -> list[Path]:
        return sorted((self.root / "frontier").glob("p-*.jsonl"))

    @property
    def warc(self) -> Path:
        return self.root / CRAWL_WARC_DIR

    @property
    def policy(self) -> Path:
        """WARC files of robots.txt, ai.txt and tdmrep.json: evidence, not documents."""
        return self.root / "policy"

    @property
    def log(self) -> Path:
        return self.root / CRAWL_LOG_DIR

    def log_part(self, partition: int) -> Path:
        return self.log / f"p-{partition:05d}.parquet"


def partition_of_journal(path: Path) -> int:
    return int(path.stem.removeprefix("p-"))


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = None

    def read(self, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Complete events from `offset` on, and the offset after the last complete line
        (a line cut by a kill is left for `repair`)."""
        if not self.path.exists():
            return [], offset
        with self.path.open("rb") as f:
            f.seek(offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        events = [json.loads(line) for line in data[:end].splitlines() if line.strip()]
        return events, offset + end

    def repair(self) -> None:
        """Cuts a last line that a killed writer left half-written."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            with self.path.open("r+b") as f:
                f.truncate(end)

    def append(self, events: Iterable[dict[str, Any]]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.repair()
            self._file = self.path.open("a", encoding="utf-8")
        for event in events:
            self._file.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
