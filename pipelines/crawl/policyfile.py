"""A site-wide policy file (robots.txt, ai.txt, tdmrep.json) as fetched: what the
interpretations in robots.py and tdm.py start from, and what the journal caches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ROBOTS_TXT = "/robots.txt"
AI_TXT = "/ai.txt"
TDMREP_JSON = "/.well-known/tdmrep.json"
# RFC 9309: crawlers must parse at least 500 KiB; we read no more than that.
MAX_POLICY_BYTES = 512_000


@dataclass(frozen=True)
class PolicyFile:
    path: str  # ROBOTS_TXT, AI_TXT or TDMREP_JSON
    status: int | None  # None: no response (unreachable, timeout, refused)
    body: str | None
    content_type: str
    error: str | None
    fetched_at: float  # time.time() of the fetch

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PolicyFile:
        return cls(**data)

    def describe(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        if self.status is None:
            return f"{name} unreachable ({self.error})"
        return f"{name} HTTP {self.status}"
