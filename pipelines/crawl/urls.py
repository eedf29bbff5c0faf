"""URLs: normalisation (courlan), the host key, the host → partition map, and scope.

A URL is normalised once, when it is found, so that the seen-set recognises the same page
under its usual spellings (case of scheme and host, default port, dot segments, tracking
parameters, fragments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import xxhash
from courlan import extract_domain, normalize_url
from courlan.filters import extension_filter

SCHEMES = ("http", "https")


def normalise(url: str, base: str | None = None) -> str | None:
    """An absolute, normalised http(s) URL, or None when it is not one we could fetch."""
    try:
        absolute = urljoin(base, url.strip()) if base else url.strip()
        absolute = urldefrag(absolute).url
        parts = urlsplit(absolute)
        if parts.scheme.lower() not in SCHEMES or not parts.hostname:
            return None
        _ = parts.port  # raises on a malformed port
        absolute = urlunsplit(parts._replace(path=_remove_dot_segments(parts.path)))
        return normalize_url(absolute)
    except ValueError:
        return None


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: `/a/./b/../c` → `/a/c` (urljoin does it only for relative links)."""
    if "/." not in path:
        return path
    segments = path.split("/")[1:]
    out: list[str] = []
    for seg in segments:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    result = "/" + "/".join(out)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def host_key(url: str) -> str:
    """host[:port] in lower case: one server, the unit of politeness and of partitioning."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def origin(url: str) -> str:
    """scheme://host[:port]: where robots.txt and the other policy files live."""
    return f"{urlsplit(url).scheme}://{host_key(url)}"


def partition_of(host: str, partitions: int) -> int:
    """Stable across processes and runs (not Python's salted hash), so resumes agree."""
    return xxhash.xxh3_64_intdigest(host.encode()) % partitions


def site_domain(url: str) -> str:
    """The registered domain (example.co.uk); an IP address stands for itself."""
    host = (urlsplit(url).hostname or "").lower()
    if not host or re.fullmatch(r"[\d.]+|[0-9a-f:]+", host):
        return host
    return extract_domain(url) or host


def looks_binary(url: str) -> bool:
    """Extensions of files that hold no text we could use (images, archives, media...)."""
    return not extension_filter(urlsplit(url).path)


@dataclass(frozen=True)
class Scope:
    """Which found URLs enter the frontier."""

    kind: str  # host | domain | any
    hosts: frozenset[str]
    domains: frozenset[str]
    include: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]

    @classmethod
    def build(
        cls, kind: str, seeds: Iterable[str], include: Iterable[str], exclude: Iterable[str]
    ) -> Scope:
        seeds = list(seeds)
        return cls(
            kind,
            frozenset(host_key(u) for u in seeds),
            frozenset(site_domain(u) for u in seeds),
            tuple(re.compile(p) for p in include),
            tuple(re.compile(p) for p in exclude),
        )

    def allows(self, url: str) -> bool:
        if self.kind == "host" and host_key(url) not in self.hosts:
            return False
        if self.kind == "domain" and site_domain(url) not in self.domains:
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)
