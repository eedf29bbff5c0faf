"""Legal and privacy: documents named by a takedown request (a copyright notice, a GDPR
article 17 erasure request) stay out of every later run.

`leam takedown` removes a document from what a run has published and appends the rule to a
takedown manifest (manifests/takedown.yaml); the filter `takedown` applies that list to every
later run, so a page crawled again, or the same text under another URL (its sha256), does
not come back. The list is the manifest's params:

    urls         exact URLs (compared after lowercasing scheme and host, without #fragment)
    hosts        a host and all its subdomains
    patterns     shell-style globs over the whole URL (`https://a.example/private/*`)
    ids          document ids (corpus.schema.doc_id)
    text_sha256  sha256 of a document's UTF-8 text: the content, wherever it turns up

One matcher serves the filter and the takedown of a published run, so both mean the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field

from leam.filters.base import Doc, Drop, FilterParams, Keep, Signals, Threshold, Verdict
from leam.filters.blocklist import host_and_parents

# A takedown request names one of these; the list field of the manifest that holds it.
REQUEST_FIELDS = {"url": "urls", "host": "hosts", "pattern": "patterns", "id": "ids"}
# What a rule names, in the order a document is checked (the first that matches is reported).
KINDS = ("id", "url", "host", "pattern", "text_sha256")


def normalise_url(url: str) -> str:
    """The form URLs are compared in: scheme and host lowercased, default port and fragment
    dropped (a request names a page as a person writes it, a crawl stores what it fetched)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def url_host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def text_sha256(text: str | None) -> str:
    """The content hash a takedown records of every document it removes."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


class TakedownParams(FilterParams):
    urls: list[str] = Field(default_factory=list, description="exact URLs")
    hosts: list[str] = Field(default_factory=list, description="hosts and their subdomains")
    patterns: list[str] = Field(default_factory=list, description="globs over the URL")
    ids: list[str] = Field(default_factory=list, description="document ids")
    text_sha256: list[str] = Field(
        default_factory=list, description="sha256 of the UTF-8 text of removed documents"
    )


@dataclass(frozen=True)
class Match:
    kind: str  # one of KINDS
    rule: str  # the rule's value as the list gives it


class TakedownMatcher:
    """A takedown list, compiled for lookups; `match` says which rule names a document."""

    def __init__(self, params: TakedownParams) -> None:
        self.ids = set(params.ids)
        self.urls = {normalise_url(u): u for u in params.urls}
        self.hosts = {h.strip().lower().removeprefix("www.") for h in params.hosts}
        self.patterns = list(params.patterns)
        self.hashes = {h.lower() for h in params.text_sha256}

    @property
    def empty(self) -> bool:
        return not (self.ids or self.urls or self.hosts or self.patterns or self.hashes)

    @property
    def needs_text(self) -> bool:
        return bool(self.hashes)

    def match(self, doc_id: str | None, url: str | None, text: str | None = None) -> Match | None:
        if doc_id and doc_id in self.ids:
            return Match("id", doc_id)
        if url:
            if (rule := self.urls.get(normalise_url(url))) is not None:
                return Match("url", rule)
            if self.hosts:
                for name in host_and_parents(url_host(url)):
                    if name in self.hosts:
                        return Match("host", name)
            for pattern in self.patterns:
                if fnmatchcase(url, pattern):
                    return Match("pattern", pattern)
        if self.hashes and text is not None and (digest := text_sha256(text)) in self.hashes:
            return Match("text_sha256", digest)
        return None


class Takedown:
    id: ClassVar[str] = "takedown"
    Params: ClassVar[type[FilterParams]] = TakedownParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = ()

    def __init__(self, params: TakedownParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.matcher = TakedownMatcher(params)

    def score(self, doc: Doc) -> Signals:
        if self.matcher.empty:
            return {"taken_down": 0.0}
        hit = self.matcher.match(doc.get("id"), doc.get("url"), doc.get("text"))
        signals = {"taken_down": float(hit is not None)}
        if hit is not None:
            signals[f"by_{hit.kind}"] = 1.0
        return signals

    def decide(self, s: Signals) -> Verdict:
        if s["taken_down"]:
            return Drop("taken_down", {k: v for k, v in s.items() if k.startswith("by_")})
        return Keep()
