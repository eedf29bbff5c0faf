"""Asynchronous HTTP (aiohttp): one request at a time per call, within limits, retried.

`Fetcher.get` sends one GET (redirects are not followed here: the crawler checks every hop
as a URL of its own), keeps at most `max_bytes` of the decoded body, and retries 429, 5xx,
timeouts and connection errors with exponential backoff, or after the server's Retry-After.
Bodies that are not text (images, archives...) are not downloaded: only their headers are
recorded.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from leam.pipelines.crawl.content import ACCEPT_ENCODING, BodyDecoder, UnsupportedEncoding
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.crawl.pacing import HostPacer
from leam.pipelines.crawl.safety import GuardedResolver, RefusedAddress

RETRY_STATUSES = {429, 500, 502, 503, 504}
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
_CHUNK = 1 << 16


def is_text_type(content_type: str) -> bool:
    """Bodies worth keeping: HTML, XML (sitemaps, feeds), plain text, JSON (tdmrep.json)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    return (
        not mime
        or mime.startswith("text/")
        or mime.endswith(("/xml", "+xml", "/json", "+json"))
        or mime in ("application/xhtml+xml", "application/gzip", "application/x-gzip")
    )


@dataclass
class Response:
    url: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]  # as received, in order
    request_headers: list[tuple[str, str]]  # as sent
    body: bytes | None  # decoded; None when not downloaded (not text)
    wire_bytes: int
    truncated: bool
    ip: str | None
    fetched_at: float  # time.time() at the start of the last attempt
    elapsed_s: float
    attempts: int
    notes: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def content_type(self) -> str:
        return self.header("Content-Type") or ""


@dataclass
class FetchFailure:
    url: str
    error: str
    attempts: int
    fetched_at: float
    elapsed_s: float
    refused: RefusedAddress | None = None  # the connect-time guard stopped it


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class Fetcher:
    """One aiohttp session per worker task; use as `async with Fetcher(options) as f`."""

    def __init__(self, options: CrawlOptions) -> None:
        self.options = options
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        o = self.options
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(o.allow_private),
            limit=o.concurrency,
            limit_per_host=o.host_concurrency,
            ttl_dns_cache=300,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # we decode ourselves, with a size cap
            timeout=aiohttp.ClientTimeout(total=o.timeout_s),
            headers={
                "User-Agent": o.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            trust_env=False,  # no proxies from the environment
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def get(
        self, url: str, pacer: HostPacer, max_bytes: int, text_only: bool = True
    ) -> Response | FetchFailure:
        o = self.options
        attempts = 0
        while True:
            attempts += 1
            async with pacer.turn():
                fetched_at, start = time.time(), time.monotonic()
                result = await self._once(url, max_bytes, text_only)
                elapsed = time.monotonic() - start
            if isinstance(result, (str, RefusedAddress)):
                outcome: Response | FetchFailure = FetchFailure(
                    url,
                    str(result),
                    attempts,
                    fetched_at,
                    elapsed,
                    result if isinstance(result, RefusedAddress) else None,
                )
                if outcome.refused is not None:
                    return outcome
                wait = o.backoff_s * 2 ** (attempts - 1)
            else:
                result.fetched_at, result.elapsed_s, result.attempts = fetched_at, elapsed, attempts
                outcome = result
                if result.status not in RETRY_STATUSES:
                    return result
                asked = retry_after(result.header("Retry-After"), time.time())
                wait = asked if asked is not None else o.backoff_s * 2 ** (attempts - 1)
                if asked is not None and asked > o.max_retry_after_s:
                    result.notes.append(f"Retry-After {asked:.0f}s is over the limit: gave up")
                    return result
            if attempts > o.retries:
                return outcome
            pacer.defer(wait)

    async def _once(
        self, url: str, max_bytes: int, text_only: bool
    ) -> Response | str | RefusedAddress:
        assert self.session is not None
        try:
            async with self.session.get(url, allow_redirects=False) as resp:
                peer = (
                    resp.connection.transport.get_extra_info("peername")
                    if (resp.connection and resp.connection.transport)
                    else None
                )
                content_type = resp.headers.get("Content-Type", "")
                body, wire, truncated = None, 0, False
                if not text_only or is_text_type(content_type) or resp.status >= 300:
                    body, wire, truncated = await _read_capped(resp, max_bytes)
                return Response(
                    url=url,
                    status=resp.status,
                    reason=resp.reason or "",
                    http_version=f"HTTP/{resp.version.major}.{resp.version.minor}"
                    if resp.version
                    else "HTTP/1.1",
                    headers=[
                        (k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers
                    ],
                    request_headers=_sent_headers(resp, url),
                    body=body,
                    wire_bytes=wire,
                    truncated=truncated,
                    ip=peer[0] if peer else None,
                    fetched_at=0.0,
                    elapsed_s=0.0,
                    attempts=0,
                )
        except RefusedAddress as err:
            return err
        except aiohttp.ClientConnectorError as err:
            cause = err.os_error
            if isinstance(cause, RefusedAddress):
                return cause
            return f"connection failed: {cause}"
        except (TimeoutError, asyncio.TimeoutError):
            return f"timeout after {self.options.timeout_s:g}s"
        except UnsupportedEncoding as err:
            return str(err)
        except Exception as err:  # aiohttp, OSError, and zlib/brotli errors from the decoders
            return f"{type(err).__name__}: {err}"


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> tuple[bytes, int, bool]:
    decoder = BodyDecoder(resp.headers.get("Content-Encoding"))
    parts: list[bytes] = []
    kept = wire = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        wire += len(chunk)
        out = decoder.feed(chunk, max_bytes - kept)
        parts.append(out)
        kept += len(out)
        if decoder.over or wire > max_bytes:
            return b"".join(parts), wire, True  # leaving the block drops the connection
    return b"".join(parts), wire, False


def _sent_headers(resp: aiohttp.ClientResponse, url: str) -> list[tuple[str, str]]:
    headers = list(resp.request_info.headers.items())
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", urlsplit(url).netloc))
    return headers
