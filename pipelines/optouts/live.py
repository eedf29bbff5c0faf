"""robots.txt, ai.txt and /.well-known/tdmrep.json of each host, fetched once, with the
crawler's rules: its user agent, the address check after DNS (loopback and private
addresses refused unless allowed), size and time limits, retries, a delay between requests
to one host, at most five redirects with every hop checked (pipelines/crawl/fetch.py).

A fetched host is cached with its fetch time under $LEAM_CACHE_DIR/optouts/ (shared by
every run on the machine) and fetched again once older than the opt-out manifest's
`cache_ttl_days`.

    files = fetch_policies(["https://a.example"], LiveOptions(), cache=PolicyCache())
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import xxhash

from leam.filters.blocklist import cache_dir
from leam.pipelines.crawl.fetch import Fetcher, FetchFailure
from leam.pipelines.crawl.options import DEFAULT_USER_AGENT, CrawlOptions
from leam.pipelines.crawl.pacing import HostPacer
from leam.pipelines.crawl.policyfile import (
    AI_TXT,
    MAX_POLICY_BYTES,
    ROBOTS_TXT,
    TDMREP_JSON,
    PolicyFile,
)
from leam.pipelines.crawl.safety import RefusedAddress, check_host

POLICY_PATHS = (ROBOTS_TXT, AI_TXT, TDMREP_JSON)
MAX_REDIRECTS = 5
HostFiles = dict[str, PolicyFile]  # policy path → the file as fetched


@dataclass(frozen=True)
class LiveOptions:
    user_agent: str = DEFAULT_USER_AGENT
    delay_s: float = 1.0  # between the requests to one host
    timeout_s: float = 10.0
    retries: int = 1
    allow_private: bool = False  # loopback and private addresses (local test sites)
    concurrency: int = 16  # hosts fetched at once

    def crawl_options(self) -> CrawlOptions:
        return CrawlOptions(
            user_agent=self.user_agent,
            timeout_s=self.timeout_s,
            retries=self.retries,
            backoff_s=min(1.0, self.delay_s),
            allow_private=self.allow_private,
            concurrency=self.concurrency,
        )


class PolicyCache:
    """One JSON file per origin: {origin, files: {path: PolicyFile}}; written atomically."""

    def __init__(self, folder: Path | None = None, ttl_s: float = 7 * 86_400) -> None:
        self.folder = folder or cache_dir() / "optouts"
        self.ttl_s = ttl_s

    def _path(self, origin: str) -> Path:
        return self.folder / f"{xxhash.xxh3_64_hexdigest(origin.encode())}.json"

    def get(self, origin: str, now: float) -> HostFiles | None:
        path = self._path(origin)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if data.get("origin") != origin or set(data.get("files", {})) != set(POLICY_PATHS):
            return None
        files = {p: PolicyFile.from_json(f) for p, f in data["files"].items()}
        if any(now - f.fetched_at > self.ttl_s for f in files.values()):
            return None
        return files

    def put(self, origin: str, files: Mapping[str, PolicyFile]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"origin": origin, "files": {p: f.to_json() for p, f in files.items()}}
        tmp = self._path(origin).with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self._path(origin))


async def _fetch_file(fetcher: Fetcher, origin: str, path: str, o: LiveOptions,
                      pacer: HostPacer) -> PolicyFile:  # fmt: skip
    url = origin + path
    for hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        try:
            await check_host(parts.hostname or "", parts.port or 0, o.allow_private)
        except (RefusedAddress, OSError) as err:
            where = f"redirect to {url}: " if hop else ""
            return PolicyFile(path, None, None, "", f"{where}{err}", time.time())
        result = await fetcher.get(url, pacer, MAX_POLICY_BYTES, text_only=False)
        if isinstance(result, FetchFailure):
            return PolicyFile(path, None, None, "", result.error, result.fetched_at)
        location = result.header("Location")
        if 300 <= result.status < 400 and location:
            url = urljoin(url, location)
            continue
        body = (result.body or b"").decode("utf-8", errors="replace")
        return PolicyFile(path, result.status, body, result.content_type, None, result.fetched_at)
    return PolicyFile(path, None, None, "", "too many redirects", time.time())


async def _fetch_host(fetcher: Fetcher, origin: str, o: LiveOptions) -> HostFiles:
    pacer = HostPacer(o.delay_s, 1)
    return {path: await _fetch_file(fetcher, origin, path, o, pacer) for path in POLICY_PATHS}


async def _fetch_all(origins: list[str], o: LiveOptions) -> dict[str, HostFiles]:
    limit = asyncio.Semaphore(o.concurrency)
    async with Fetcher(o.crawl_options()) as fetcher:

        async def one(origin: str) -> tuple[str, HostFiles]:
            async with limit:
                return origin, await _fetch_host(fetcher, origin, o)

        return dict(await asyncio.gather(*(one(origin) for origin in origins)))


def fetch_policies(
    origins: list[str], options: LiveOptions, cache: PolicyCache | None = None
) -> tuple[dict[str, HostFiles], int]:
    """Every origin's policy files (from the cache where fresh); returns them and how many
    origins were fetched from the network."""
    now = time.time()
    found: dict[str, HostFiles] = {}
    missing = []
    for origin in origins:
        cached = cache.get(origin, now) if cache else None
        if cached is None:
            missing.append(origin)
        else:
            found[origin] = cached
    if missing:
        fetched = asyncio.run(_fetch_all(missing, options))
        for origin, files in fetched.items():
            if cache:
                cache.put(origin, files)
            found[origin] = files
    return {o: found[o] for o in origins}, len(missing)
