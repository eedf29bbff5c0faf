"""Text-and-data-mining opt-outs: W3C TDMRep and the `noai` / `noimageai` directives.

TDMRep (https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/) declares a
reservation in three places: `/.well-known/tdmrep.json` (rules with robots-style `location`
patterns; the first rule that matches applies), the `tdm-reservation` / `tdm-policy` HTTP
headers, and `<meta name="tdm-reservation">`. We read it cautiously: any of them reserving
the page reserves it, a tdmrep.json that exists but cannot be read reserves the whole host
(fail closed), and so does one the server cannot deliver (5xx, no answer) — the rights
holder's file may exist. A 200 answer in HTML is a "soft 404" page, not a tdmrep.json.

TDMRep defines two values of `tdm-reservation`, 1 (rights reserved) and 0 (not reserved),
and says nothing of any other. We read every other value (`yes`, `true`, `2`, an empty
value, `0, 1`) as reserving, in the headers and the meta tag alike, and a repeated header
reserves if any of its lines does: reading an unknown value as consent could mine a page
whose owner meant to opt out. In tdmrep.json, where the value is a JSON number, anything
but 0 or 1 makes the file unreadable, which reserves the host.

`noai` in `X-Robots-Tag` or `<meta name="robots">` (or a meta tag naming our token)
reserves the page. `noimageai` reserves the page's images; we collect no images, so it is
recorded but does not reserve the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from leam.pipelines.crawl.policyfile import PolicyFile

# X-Robots-Tag values that carry a colon but no user agent (`max-snippet: 20`).
_VALUED_DIRECTIVES = {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}


@dataclass(frozen=True)
class Reservation:
    """A signal that reserves (or explicitly frees) a URL for TDM."""

    reserved: bool
    signal: str  # tdmrep_json, tdm_header, tdm_meta, x_robots_noai, meta_robots_noai
    detail: str
    policy: str | None = None  # tdm-policy URL, when the rights holder offers one


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    location: str
    reserved: bool
    policy: str | None


def _robots_pattern(location: str) -> re.Pattern[str]:
    """robots.txt path syntax: prefix match, `*` any characters, `$` end of path."""
    anchored = location.endswith("$")
    body = re.escape(location.removesuffix("$")).replace(r"\*", ".*")
    return re.compile(body + ("$" if anchored else ""))


class TdmRepFile:
    """A host's /.well-known/tdmrep.json, interpreted."""

    def __init__(self, source: PolicyFile) -> None:
        self.source = source
        self.rules: list[_Rule] = []
        self.whole_host: Reservation | None = None  # set when the file decides everything
        status = source.status
        if status is None or status == 429 or status >= 500:
            self.whole_host = Reservation(True, "tdmrep_json", f"{source.describe()}: fail closed")
        elif 200 <= status < 300 and "html" not in source.content_type.lower():
            try:
                self.rules = _parse_rules(source.body or "")
            except ValueError as err:
                self.whole_host = Reservation(
                    True, "tdmrep_json", f"tdmrep.json unreadable ({err}): fail closed"
                )

    def check(self, url: str) -> Reservation | None:
        if self.whole_host is not None:
            return self.whole_host
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for rule in self.rules:
            if rule.pattern.match(path):
                detail = f"tdmrep.json location {rule.location!r}"
                return Reservation(rule.reserved, "tdmrep_json", detail, rule.policy)
        return None


def _parse_rules(body: str) -> list[_Rule]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON: {err.msg}") from None
    if not isinstance(data, list):
        raise ValueError("not a JSON array of rules")
    rules = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("location"), str):
            raise ValueError("a rule without a location")
        flag = item.get("tdm-reservation")
        if flag not in (0, 1) or isinstance(flag, bool):
            raise ValueError(f"tdm-reservation must be 0 or 1, not {flag!r}")
        policy = item.get("tdm-policy")
        rules.append(_Rule(_robots_pattern(item["location"]), item["location"], flag == 1, policy))
    return rules


Headers = Sequence[tuple[str, str]] | Mapping[str, str]


def header_values(headers: Headers, name: str) -> list[str]:
    """Every value of a header, in order (names case-insensitive): a response may repeat
    one, and a dict of them would keep only one line."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [v for k, v in pairs if k.lower() == name]


def reserves(value: str) -> bool:
    """A `tdm-reservation` value reserves unless it is exactly 0 (fail closed)."""
    return value.strip() != "0"


def header_reservation(headers: Headers) -> Reservation | None:
    """From `tdm-reservation` / `tdm-policy` response headers: reserved if any line is."""
    values = [v.strip() for v in header_values(headers, "tdm-reservation")]
    if not values:
        return None
    reserved = any(reserves(v) for v in values)
    policy = next(iter(header_values(headers, "tdm-policy")), None)
    return Reservation(reserved, "tdm_header", f"tdm-reservation: {', '.join(values)}", policy)


def meta_reservation(meta: Mapping[str, str]) -> Reservation | None:
    """From `<meta name="tdm-reservation">` (repeated tags arrive joined by commas)."""
    value = meta.get("tdm-reservation")
    if value is None:
        return None
    reserved = reserves(value)
    detail = f'<meta name="tdm-reservation" content="{value.strip()}">'
    return Reservation(reserved, "tdm_meta", detail, meta.get("tdm-policy"))


def x_robots_directives(values: Iterable[str], token: str) -> set[str]:
    """Directives of X-Robots-Tag header values that apply to us (no agent, ours, or *)."""
    found: set[str] = set()
    for value in values:
        agent, sep, rest = value.partition(":")
        if sep and agent.strip().lower() not in _VALUED_DIRECTIVES and " " not in agent.strip():
            if agent.strip().lower() not in (token.lower(), "*"):
                continue
            value = rest
        found |= _directives(value)
    return found


def meta_robots_directives(meta: Mapping[str, str], token: str) -> set[str]:
    return _directives(meta.get("robots", "")) | _directives(meta.get(token.lower(), ""))


def _directives(value: str) -> set[str]:
    return {d.strip().lower() for d in value.split(",") if d.strip()}


def noai_reservation(header_dirs: set[str], meta_dirs: set[str]) -> Reservation | None:
    if "noai" in header_dirs:
        return Reservation(True, "x_robots_noai", "X-Robots-Tag: noai")
    if "noai" in meta_dirs:
        return Reservation(True, "meta_robots_noai", '<meta name="robots" content="noai">')
    return None


def response_reservation(
    headers: Headers, meta: Mapping[str, str], token: str
) -> tuple[Reservation | None, str | None, list[str]]:
    """What a response says: the first signal that reserves it (headers before the page),
    the tdm-policy URL offered if any, and notes on signals that did not reserve it.
    `headers` as received (name, value) pairs, repeated names included."""
    header_dirs = x_robots_directives(header_values(headers, "x-robots-tag"), token)
    meta_dirs = meta_robots_directives(meta, token)
    found = [
        r
        for r in (
            header_reservation(headers),
            meta_reservation(meta),
            noai_reservation(header_dirs, meta_dirs),
        )
        if r is not None
    ]
    notes = [f"{r.detail} (not reserved)" for r in found if not r.reserved]
    if "noimageai" in header_dirs | meta_dirs:
        notes.append("noimageai: images reserved; no images are collected")
    reserving = next((r for r in found if r.reserved), None)
    policy = next((r.policy for r in found if r.policy), None)
    return reserving, policy, notes
