"""The crawler's settings: one flat, commented list of defaults, validated strictly."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from leam.corpus import __version__

# The token that robots.txt, ai.txt and per-crawler meta tags name us by (RFC 9309: the
# product token of the user agent), and the contact page that site operators can read.
ROBOTS_TOKEN = "LEAMbot"
CONTACT_URL = "https://leam.ai/"
DEFAULT_USER_AGENT = (
    f"{ROBOTS_TOKEN}/{__version__} (+{CONTACT_URL}; LEAM Corpus, training data for "
    "European language models; obeys robots.txt, TDMRep, noai and ai.txt)"
)


class CrawlConfigError(ValueError):
    """Seeds or options that cannot start (or resume) a crawl."""


class CrawlOptions(BaseModel):
    """What a crawl may do. Stored in run.json, so a crawl can be explained after the fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = DEFAULT_USER_AGENT
    robots_token: str = ROBOTS_TOKEN  # matched in robots.txt, ai.txt and X-Robots-Tag
    max_pages: int = Field(1000, ge=1)  # pages fetched in the whole crawl (policy files aside)
    max_depth: int = Field(3, ge=0)  # link hops from a seed
    scope: Literal["host", "domain", "any"] = "host"  # follow links to seed hosts/domains/all
    include: tuple[str, ...] = ()  # regexes: when given, a URL must match one
    exclude: tuple[str, ...] = ()  # regexes: a URL that matches one is not queued
    delay_s: float = Field(1.0, ge=0)  # between requests to one host (Crawl-delay if larger)
    max_crawl_delay_s: float = Field(30.0, ge=0)  # a larger robots.txt Crawl-delay is capped
    host_concurrency: int = Field(1, ge=1)  # requests in flight to one host
    concurrency: int = Field(16, ge=1)  # requests in flight per worker, all hosts together
    max_bytes: int = Field(5_000_000, ge=1024)  # decoded body size; longer bodies are cut
    timeout_s: float = Field(30.0, gt=0)  # one request: connect, headers and body
    retries: int = Field(2, ge=0)  # more attempts on 429, 5xx, timeouts, connection errors
    backoff_s: float = Field(1.0, ge=0)  # first retry wait, doubled each time
    max_retry_after_s: float = Field(120.0, ge=0)  # a longer Retry-After gives up instead
    max_redirects: int = Field(5, ge=0)  # hops after the first request
    allow_private: bool = False  # allow loopback and private addresses (local test sites)
    policy_ttl_s: float = Field(86_400, gt=0)  # robots.txt & co. are refetched after a day
    partitions: int = Field(64, ge=1)  # host partitions: units of work for the Ray workers
    warc_max_bytes: int = Field(1_000_000_000, ge=1_000_000)  # a new WARC file after this
