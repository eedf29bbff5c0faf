"""One URL's opt-out decision, from the signals archived in its response or from its host's
policy files, with what an auditor asks: which signal, which agent token, from where, dated.

The interpretation is the crawler's (pipelines/crawl/robots.py, tdm.py), so an ingested page
and a crawled one are judged alike; the opt-out manifest adds the list of AI tokens and the
failure rules (pipelines/optouts/agents.py).

    source     archived  the WARC record's own headers and meta tags (dated by WARC-Date)
               live      policy files fetched for this run (or from the shared cache)
               snapshot  policy files from a snapshot file, no network
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from leam.pipelines.crawl.policyfile import AI_TXT, ROBOTS_TXT, TDMREP_JSON, PolicyFile
from leam.pipelines.crawl.robots import RobotsRules
from leam.pipelines.crawl.tdm import (
    TdmRepFile,
    header_reservation,
    meta_reservation,
    meta_robots_directives,
    x_robots_directives,
)
from leam.pipelines.optouts.agents import OptoutPolicy

SOURCES = ("archived", "live", "snapshot")
ANY_AGENT = "*"  # a rule that holds whatever the token (a file that could not be read)


@dataclass(frozen=True)
class Decision:
    reserved: bool
    # robots_txt | ai_txt | tdmrep_json | tdm_header | tdm_meta | x_robots_noai | meta_robots_noai
    signal: str
    token: str | None  # the agent token whose rule matched (None: the signal names no agent)
    source: str  # one of SOURCES
    policy_date: str | None  # when the policy was seen: the file's fetch, the record's date
    detail: str

    def ledger_detail(self) -> str:
        """The ledger's one line: parseable by the reports, readable by a reviewer."""
        token = f" token={self.token}" if self.token else ""
        return (
            f"{self.signal} source={self.source}{token} date={self.policy_date or '?'}: "
            f"{self.detail}"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def archived_decision(
    headers: list[tuple[str, str]],
    meta: Mapping[str, str],
    tokens: tuple[str, ...],
    warc_date: str | None,
) -> Decision | None:
    """The first reserving signal of an archived response: TDMRep header, TDMRep meta tag,
    then noai in X-Robots-Tag or a robots meta tag (general, or naming one of the tokens)."""
    mapping = {k.lower(): v for k, v in headers}
    for found in (header_reservation(mapping), meta_reservation(meta)):
        if found is not None and found.reserved:
            return Decision(True, found.signal, None, "archived", warc_date, found.detail)
    x_robots = [v for k, v in headers if k.lower() == "x-robots-tag"]
    for token in tokens:
        if "noai" in x_robots_directives(x_robots, token):
            agent = _named_agent(x_robots, token)
            return Decision(True, "x_robots_noai", agent, "archived", warc_date,
                            "X-Robots-Tag: noai")  # fmt: skip
    for token in tokens:
        if "noai" in meta_robots_directives(meta, token):
            agent = token if "noai" in meta.get(token.lower(), "").lower() else None
            name = agent.lower() if agent else "robots"
            return Decision(True, "meta_robots_noai", agent, "archived", warc_date,
                            f'<meta name="{name}" content="noai">')  # fmt: skip
    return None


def _named_agent(values: list[str], token: str) -> str | None:
    """The token when an X-Robots-Tag value names it (`GPTBot: noai`), else None."""
    for value in values:
        agent, sep, _ = value.partition(":")
        if sep and agent.strip().lower() == token.lower():
            return token
    return None


def host_decision(
    files: Mapping[str, PolicyFile], url: str, policy: OptoutPolicy, source: str
) -> Decision | None:
    """A URL against its host's robots.txt (each token), ai.txt (each token), tdmrep.json."""
    for path, signal in ((ROBOTS_TXT, "robots_txt"), (AI_TXT, "ai_txt")):
        pf = files.get(path)
        if pf is None:
            continue
        for token in policy.tokens:
            rules = RobotsRules(pf, token, fail_closed=policy.fails_closed(signal))
            verdict = rules.check(url)
            if not verdict.allowed:
                agent = token if rules.parser is not None else ANY_AGENT
                return Decision(True, signal, agent, source, iso(pf.fetched_at), verdict.detail)
            if rules.parser is None:
                break  # no file decides per token: one answer for all
    pf = files.get(TDMREP_JSON)
    if pf is not None:
        tdm = TdmRepFile(pf)
        unreadable = tdm.whole_host is not None
        if not unreadable or policy.fails_closed("tdmrep_json"):
            found = tdm.check(url)
            if found is not None and found.reserved:
                return Decision(True, "tdmrep_json", None, source, iso(pf.fetched_at),
                                found.detail)  # fmt: skip
    return None
