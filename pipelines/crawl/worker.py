"""One host partition crawled by one worker: the async loop, and one URL's decision.

    crawl_partition(task, progress)      # runs in a Ray worker (corpus.runtime)

The task replays its journal (what was queued, what is done, the policy files it already
read), cuts its WARC files back to their last committed record, then crawls every queued
URL of its hosts until none is left or its page budget is spent. Per URL, in order:
redirect limit, address safety (after DNS), robots.txt, ai.txt, tdmrep.json — a URL that
one of them forbids is not fetched — then the fetch, the response's own signals (TDM
headers and meta, noai), the WARC records, the links, and the journal's `done` event.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from leam.corpus.schema import CRAWL_LOG_SCHEMA
from leam.pipelines.crawl.fetch import RETRY_STATUSES, Fetcher, FetchFailure, Response
from leam.pipelines.crawl.journal import CrawlDir, Entry, Journal
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.crawl.pacing import HostPacer
from leam.pipelines.crawl.page import read_html, read_sitemap
from leam.pipelines.crawl.policyfile import (
    AI_TXT,
    MAX_POLICY_BYTES,
    ROBOTS_TXT,
    TDMREP_JSON,
    PolicyFile,
)
from leam.pipelines.crawl.robots import RobotsRules
from leam.pipelines.crawl.safety import RefusedAddress, check_host
from leam.pipelines.crawl.tdm import TdmRepFile, response_reservation
from leam.pipelines.crawl.urls import Scope, host_key, looks_binary, normalise, origin, partition_of
from leam.pipelines.crawl.warcfile import WarcFiles, cut_back
from leam.pipelines.extract.decode import is_html

MAX_POLICY_REDIRECTS = 5  # RFC 9309 §2.3.1.2


@dataclass(frozen=True)
class PartitionTask:
    crawl_dir: str
    run_id: str
    partition: int
    budget: int  # pages this task may fetch
    options_json: str
    scope: Scope


@dataclass
class HostPolicy:
    robots: RobotsRules
    ai: RobotsRules
    tdm: TdmRepFile
    loaded_at: float


@dataclass
class HostState:
    pacer: HostPacer
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    policy: HostPolicy | None = None
    queue: deque[Entry] = field(default_factory=deque)
    lanes: int = 0


def crawl_partition(task: PartitionTask, progress: Callable[[int], None]) -> dict[str, Any]:
    return asyncio.run(PartitionCrawler(task, progress).run())


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")


class PartitionCrawler:
    def __init__(self, task: PartitionTask, progress: Callable[[int], None]) -> None:
        self.task = task
        self.o = CrawlOptions.model_validate_json(task.options_json)
        self.dir = CrawlDir(Path(task.crawl_dir))
        self.progress = progress
        self.journal = Journal(self.dir.journal(task.partition))
        self.seen: set[str] = set()
        self.sent: set[str] = set()  # URLs handed to other partitions by this task
        self.hosts: dict[str, HostState] = {}
        self.cached: dict[tuple[str, str], PolicyFile] = {}
        self.claimed = 0  # pages fetched (or being fetched) by this task
        self.decided = 0
        self._lanes: set[asyncio.Task] = set()
        self._last_at: dict[str, float] = {}
        self._replay()
        prefix = f"{task.run_id}-p{task.partition:05d}"
        info = {
            "http-header-user-agent": self.o.user_agent,
            "robots": "obey: robots.txt (RFC 9309), ai.txt, TDMRep, noai",
            "isPartOf": task.run_id,
            "format": "WARC File Format 1.1",
        }
        self.pages = WarcFiles(self.dir.warc, prefix, info, self.o.warc_max_bytes)
        self.policies = WarcFiles(self.dir.policy, prefix, info, self.o.warc_max_bytes)

    # -- state ------------------------------------------------------------------------

    def _replay(self) -> None:
        events, _ = self.journal.read()
        queued: dict[str, Entry] = {}
        done: set[str] = set()
        ends: dict[str, int] = defaultdict(int)
        last_at: dict[str, float] = {}
        for ev in events:
            kind = ev["e"]
            if kind == "q":
                queued.setdefault(ev["url"], Entry.of(ev))
            elif kind == "out":
                self.sent.add(ev["url"])
            elif kind == "done":
                done.add(ev["url"])
                if ev.get("t"):
                    host = ev["row"]["host"]
                    last_at[host] = max(last_at.get(host, 0.0), ev["t"])
                if ev["row"].get("warc_file"):
                    ends[ev["row"]["warc_file"]] = max(ends[ev["row"]["warc_file"]], ev["end"])
            elif kind == "policy":
                pf = PolicyFile.from_json(ev["file"])
                self.cached[(ev["host"], pf.path)] = pf
                last_at[ev["host"]] = max(last_at.get(ev["host"], 0.0), ev["t"])
                if ev.get("warc_file"):
                    ends[ev["warc_file"]] = max(ends[ev["warc_file"]], ev["end"])
        prefix = f"{self.task.run_id}-p{self.task.partition:05d}-"
        for folder in (self.dir.warc, self.dir.policy):
            for path in folder.glob(f"{prefix}*.warc.gz"):
                cut_back(path, ends.get(path.name, 0))
        self.seen = set(queued)
        for url, entry in queued.items():
            if url not in done:
                self._host(host_key(url), last_at).queue.append(entry)
        self._last_at = last_at

    def _host(self, host: str, last_at: dict[str, float] | None = None) -> HostState:
        if host not in self.hosts:
            last = (self._last_at if last_at is None else last_at).get(host)
            pacer = HostPacer(self.o.delay_s, self.o.host_concurrency, last)
            self.hosts[host] = HostState(pacer)
        return self.hosts[host]

    # -- loop -------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        try:
            async with Fetcher(self.o) as self.fetcher:
                for host in list(self.hosts):
                    self._start_lanes(host)
                while self._lanes:
                    done, _ = await asyncio.wait(self._lanes, return_when=asyncio.FIRST_COMPLETED)
                    for lane in done:
                        self._lanes.discard(lane)
                        lane.result()  # a bug in a lane fails the task (Ray retries it)
        finally:
            self.pages.close()
            self.policies.close()
            self.journal.close()
        pending = sum(len(h.queue) for h in self.hosts.values())
        return {
            "partition": self.task.partition,
            "fetched": self.claimed,
            "decided": self.decided,
            "pending": pending,
        }

    def _start_lanes(self, host: str) -> None:
        state = self.hosts[host]
        while state.queue and state.lanes < self.o.host_concurrency and self._budget_left():
            state.lanes += 1
            self._lanes.add(asyncio.ensure_future(self._lane(host)))

    def _budget_left(self) -> bool:
        return self.claimed < self.task.budget

    async def _lane(self, host: str) -> None:
        state = self.hosts[host]
        try:
            while state.queue and self._budget_left():
                entry = state.queue.popleft()
                if not await self._process(entry, host, state):
                    state.queue.appendleft(entry)  # budget spent: stays in the frontier
                    return
        finally:
            state.lanes -= 1

    def _enqueue(self, entry: Entry) -> None:
        host = host_key(entry.url)
        if partition_of(host, self.o.partitions) != self.task.partition:
            if entry.url not in self.sent:
                self.sent.add(entry.url)
                self.journal.append([entry.event("out")])
            return
        if entry.url in self.seen:
            return
        self.seen.add(entry.url)
        self.journal.append([entry.event("q")])
        self._host(host).queue.append(entry)
        self._start_lanes(host)

    # -- one URL ------------------------------------------------------------------------

    async def _process(self, entry: Entry, host: str, state: HostState) -> bool:
        """Decides (and fetches) one URL; False when the budget ran out before the fetch."""
        row = dict.fromkeys(CRAWL_LOG_SCHEMA.names)
        row.update(url=entry.url, host=host, depth=entry.depth, via=entry.via, fetched=False)
        result = await self._decide(entry, host, state, row)
        if result is False:
            return False
        row["decided_at"] = _iso(time.time())
        end, t = result if isinstance(result, tuple) else (None, None)
        self.journal.append([{"e": "done", "url": entry.url, "row": row, "t": t, "end": end}])
        self.decided += 1
        return True

    async def _decide(
        self, entry: Entry, host: str, state: HostState, row: dict[str, Any]
    ) -> bool | tuple[int | None, float] | None:
        o = self.o
        if entry.hops > o.max_redirects:
            row.update(
                decision="refused",
                signal="redirect_limit",
                detail=f"more than {o.max_redirects} redirects",
            )
            return None
        parts = urlsplit(entry.url)
        try:
            await check_host(parts.hostname or "", parts.port or 0, o.allow_private)
        except RefusedAddress as refused:
            row.update(decision="refused", signal=refused.signal, detail=str(refused))
            return None
        except OSError as err:
            row.update(decision="allowed", error=f"DNS: {err}")
            return None
        policy = await self._policy(host, entry.url, state)
        for rules, signal in ((policy.robots, "robots_txt"), (policy.ai, "ai_txt")):
            verdict = rules.check(entry.url)
            if not verdict.allowed:
                row.update(decision="disallowed", signal=signal, detail=verdict.detail)
                return None
        known = policy.tdm.check(entry.url)
        row["tdm_policy"] = known.policy if known else None
        if known is not None and known.reserved:
            row.update(decision="reserved", signal=known.signal, detail=known.detail)
            return None
        if not self._budget_left():
            return False
        self.claimed += 1
        self.progress(1)
        result = await self.fetcher.get(
            entry.url, state.pacer, o.max_bytes, text_only=entry.kind == "page"
        )
        row.update(
            fetched=True,
            fetched_at=_iso(result.fetched_at),
            elapsed_s=round(result.elapsed_s, 4),
            attempts=result.attempts,
        )
        if isinstance(result, FetchFailure):
            if result.refused is not None:
                row.update(
                    decision="refused",
                    signal=result.refused.signal,
                    detail=str(result.refused),
                    fetched=False,
                )
            else:
                row.update(decision="allowed", error=result.error)
            return (None, result.fetched_at)
        return self._take(entry, result, row, known)

    def _take(
        self, entry: Entry, resp: Response, row: dict[str, Any], known: Any
    ) -> tuple[int | None, float]:
        """A response: its signals, WARC records, links. Returns (WARC end, request time)."""
        o = self.o
        body = resp.body
        row.update(
            status=resp.status,
            content_type=resp.content_type or None,
            ip=resp.ip,
            wire_bytes=resp.wire_bytes,
            truncated=resp.truncated,
            bytes=len(body) if body is not None else None,
        )
        notes = list(resp.notes)
        if resp.status in RETRY_STATUSES:
            row["error"] = f"HTTP {resp.status} after {resp.attempts} attempt(s)"
        info = None
        if body is not None and is_html(resp.content_type, body):
            info = read_html(body, resp.content_type)
            row["charset"] = info.charset
            if info.error:
                notes.append(info.error)
        elif body is None:
            notes.append(f"not text ({resp.content_type or 'no content type'}): not downloaded")
        reservation, policy, more = response_reservation(
            resp.headers, info.meta if info else {}, o.robots_token
        )
        notes += more
        row["tdm_policy"] = policy or row.get("tdm_policy")
        if reservation is not None:
            row.update(decision="reserved", signal=reservation.signal)
            notes.insert(0, reservation.detail)
        else:
            row["decision"] = "allowed"
            if known is not None:
                notes.insert(0, f"{known.detail}: not reserved")
        row["detail"] = "; ".join(notes) or None
        end = None
        if body is not None:
            row["warc_file"], row["warc_offset"], end = self.pages.write(resp, resp.truncated)
        self._follow(entry, resp, info, row)
        return end, resp.fetched_at

    def _follow(self, entry: Entry, resp: Response, info: Any, row: dict[str, Any]) -> None:
        """Queues the redirect target, the page's links or a sitemap's entries."""
        location = resp.header("Location")
        if 300 <= resp.status < 400 and location:
            target = normalise(location, resp.url)
            row["redirect_to"] = target or location
            if target and self.task.scope.allows(target):
                self._enqueue(Entry(target, entry.depth, entry.url, entry.hops + 1, entry.kind))
            return
        if not 200 <= resp.status < 300 or resp.body is None:
            return
        if entry.kind == "sitemap":
            pages, maps = read_sitemap(resp.body, self.o.max_bytes)
            found = [(u, "page") for u in pages] + [(u, "sitemap") for u in maps]
            depth, base = entry.depth, resp.url
        elif info is not None:
            directives = info.meta.get("robots", "") + "," + (resp.header("X-Robots-Tag") or "")
            if {"nofollow", "none"} & {d.strip().lower() for d in directives.split(",")}:
                row["links"] = 0
                return
            base = urljoin(resp.url, info.base) if info.base else resp.url
            found = [(u, "page") for u in info.links]
            depth = entry.depth + 1
            if depth > self.o.max_depth:
                found = []
        else:
            return
        count = 0
        for raw, kind in found:
            url = normalise(raw, base)
            if url is None or not self.task.scope.allows(url):
                continue
            if kind == "page" and looks_binary(url):
                continue
            count += 1
            self._enqueue(Entry(url, depth, entry.url, 0, kind))
        row["links"] = count

    # -- policy files -------------------------------------------------------------------

    async def _policy(self, host: str, url: str, state: HostState) -> HostPolicy:
        async with state.lock:
            now = time.time()
            if state.policy is None or now - state.policy.loaded_at > self.o.policy_ttl_s:
                token = self.o.robots_token
                files = {ROBOTS_TXT: await self._policy_file(host, url, ROBOTS_TXT, state, now)}
                robots = RobotsRules(files[ROBOTS_TXT], token, fail_closed=True)
                delay = robots.crawl_delay()  # applies to the other policy files too
                if delay is not None:
                    state.pacer.slow_down(min(delay, self.o.max_crawl_delay_s))
                for path in (AI_TXT, TDMREP_JSON):
                    if robots.everything is False:  # nothing will be fetched: ask no more
                        files[path] = PolicyFile(
                            path, None, None, "", "not fetched: robots.txt disallows all", now
                        )
                    else:
                        files[path] = await self._policy_file(host, url, path, state, now)
                state.policy = HostPolicy(
                    robots,
                    RobotsRules(files[AI_TXT], token, fail_closed=False),
                    TdmRepFile(files[TDMREP_JSON]),
                    min(f.fetched_at for f in files.values()),
                )
            return state.policy

    async def _policy_file(
        self, host: str, url: str, path: str, state: HostState, now: float
    ) -> PolicyFile:
        cached = self.cached.get((host, path))
        if cached is None or now - cached.fetched_at > self.o.policy_ttl_s:
            cached = await self._fetch_policy(host, origin(url), path, state)
            self.cached[(host, path)] = cached
        return cached

    async def _fetch_policy(self, host: str, base: str, path: str, state: HostState) -> PolicyFile:
        """Fetches a policy file, following up to five redirects, each hop checked; the
        responses go into the policy WARC and the journal (the cache across tasks)."""
        url = base + path
        for hop in range(MAX_POLICY_REDIRECTS + 1):
            parts = urlsplit(url)
            if hop:
                try:
                    await check_host(parts.hostname or "", parts.port or 0, self.o.allow_private)
                except (RefusedAddress, OSError) as err:
                    return PolicyFile(
                        path, None, None, "", f"redirect to {url}: {err}", time.time()
                    )
            pacer = state.pacer if host_key(url) == host else HostPacer(0.0, 1)
            result = await self.fetcher.get(url, pacer, MAX_POLICY_BYTES, text_only=False)
            if isinstance(result, FetchFailure):
                pf = PolicyFile(path, None, None, "", result.error, result.fetched_at)
                self._journal_policy(host, pf, None, None)
                return pf
            name, _, end = self.policies.write(result, result.truncated)
            location = result.header("Location")
            redirect = 300 <= result.status < 400 and bool(location)
            # A redirect stays "too many redirects" unless a later hop answers.
            body = None if redirect else (result.body or b"").decode("utf-8", errors="replace")
            error = "too many redirects" if redirect else None
            ctype, at = result.content_type, result.fetched_at
            pf = PolicyFile(path, result.status, body, ctype, error, at)
            self._journal_policy(host, pf, name, end)
            if not redirect:
                return pf
            url = urljoin(url, location)
        return pf

    def _journal_policy(
        self, host: str, pf: PolicyFile, warc_file: str | None, end: int | None
    ) -> None:
        """The cache across tasks: `_replay` reads these back (last one per file wins)."""
        event = {
            "e": "policy",
            "host": host,
            "file": pf.to_json(),
            "warc_file": warc_file,
            "end": end,
            "t": pf.fetched_at,
        }
        self.journal.append([event])
