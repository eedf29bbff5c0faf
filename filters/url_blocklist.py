"""Ethics: documents from adult or harmful sites, by domain, URL and words in the URL.

The rules are datatrove's URLFilter's (UT1 domains and URLs, banned words in the URL, two
or more "soft" banned words, banned sub-strings), on a compact hash set (filters/blocklist.py)
so that loading it costs milliseconds and 36 MB, not seconds and 0.75 GB. Lists of our own
can be added in the manifest (`extra_domains`, `extra_urls`).
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from leam.filters.base import Doc, Drop, FilterParams, Signals, Threshold, Verdict, first_drop
from leam.filters.blocklist import (
    URL_WORD_SPLIT,
    HashSet,
    host_and_parents,
    normalize_url,
    url_words,
    ut1_domains,
    ut1_urls,
)


class UrlBlocklistParams(FilterParams):
    use_ut1: bool = Field(True, description="the UT1 lists bundled with datatrove")
    extra_domains: list[str] = Field(default_factory=list)
    extra_urls: list[str] = Field(default_factory=list)
    banned_url_words: bool = Field(True, description="one banned word in the URL is enough")
    soft_word_threshold: int = Field(2, ge=1, description="soft-banned words in the URL")
    banned_subwords: bool = Field(True, description="banned phrases inside the URL")


class UrlBlocklist:
    id: ClassVar[str] = "url_blocklist"
    Params: ClassVar[type[FilterParams]] = UrlBlocklistParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = ()

    def __init__(self, params: UrlBlocklistParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.domains = ut1_domains() if params.use_ut1 else HashSet.of([])
        self.extra_domains = {d.strip().lower() for d in params.extra_domains}
        self.urls = (ut1_urls() if params.use_ut1 else frozenset()) | {
            normalize_url(u) for u in params.extra_urls
        }
        self.hard = url_words("banned_words") if params.banned_url_words else frozenset()
        self.soft = url_words("soft_banned_words")
        sub = sorted(url_words("banned_subwords")) if params.banned_subwords else []
        self.subwords = re.compile("|".join(map(re.escape, sub))) if sub else None

    def score(self, doc: Doc) -> Signals:
        url = doc.get("url") or ""
        host = (urlsplit(url).hostname or doc.get("domain") or "").lower()
        names = host_and_parents(host) if host else []
        blocked = any(n in self.domains or n in self.extra_domains for n in names)
        tokens = set(URL_WORD_SPLIT.split(url.lower()))
        flat = URL_WORD_SPLIT.sub("", url).lower()
        return {
            "blocked_domain": float(blocked),
            "blocked_url": float(normalize_url(url) in self.urls),
            "banned_url_words": float(len(tokens & self.hard)),
            "soft_banned_url_words": float(len(tokens & self.soft)),
            "banned_url_subword": float(bool(self.subwords and self.subwords.search(flat))),
        }

    def decide(self, s: Signals) -> Verdict:
        soft = s["soft_banned_url_words"]
        return first_drop(
            Drop("blocklisted_domain", {"blocked_domain": 1.0}) if s["blocked_domain"] else None,
            Drop("blocklisted_url", {"blocked_url": 1.0}) if s["blocked_url"] else None,
            Drop("banned_word_in_url", {"banned_url_words": s["banned_url_words"]})
            if s["banned_url_words"]
            else None,
            Drop("soft_banned_words_in_url", {"soft_banned_url_words": soft})
            if soft >= self.params.soft_word_threshold
            else None,
            Drop("banned_phrase_in_url", {"banned_url_subword": 1.0})
            if s["banned_url_subword"]
            else None,
        )
