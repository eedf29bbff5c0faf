"""robots.txt (RFC 9309) and ai.txt, read with protego.

RFC 9309 §2.3.1: a robots.txt answered with 4xx means no rules (allow all); a server error
or no answer at all means disallow all, since the file may exist. We count 429 as a server
error (it says "not now", not "no file"), as Google does. More than five redirects count as
unavailable (allow all). ai.txt (Spawning) uses robots syntax; as it is not a standard with
failure rules, a missing or unreachable ai.txt reserves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

from leam.pipelines.crawl.policyfile import PolicyFile


@dataclass(frozen=True)
class RuleVerdict:
    allowed: bool
    detail: str


class RobotsRules:
    """What one host's robots.txt (or ai.txt) says for our product token."""

    def __init__(self, source: PolicyFile, token: str, fail_closed: bool) -> None:
        self.source, self.token = source, token
        self.parser: Protego | None = None
        self.everything: bool | None = None  # set when no file decides: allow/disallow all
        status = source.status
        if status is None or status == 429 or status >= 500:
            self.everything = not fail_closed
        elif 200 <= status < 300 and source.body is not None:
            self.parser = Protego.parse(source.body)
        else:  # 3xx left after redirects, 4xx
            self.everything = True

    def check(self, url: str) -> RuleVerdict:
        name = self.source.path.lstrip("/")
        if self.parser is not None:
            if self.parser.can_fetch(url, self.token):
                return RuleVerdict(True, f"{name} allows it for {self.token}")
            return RuleVerdict(False, f"{name} disallows it for {self.token}")
        what = "allow all" if self.everything else "disallow all"
        return RuleVerdict(bool(self.everything), f"{self.source.describe()}: {what}")

    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(self.token)
        return float(delay) if delay is not None else None

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []
