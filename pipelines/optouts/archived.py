"""Opt-out signals archived in a WARC response, whoever crawled it: no network needed.

Also the policy files other crawlers archived (robots.txt, ai.txt, tdmrep.json records in
the input WARC files): extract puts them in its ledger as `policy_file` with their body, and
`captured_policies` gives them to the stage optouts, dated by their WARC-Date.

The `tdm-reservation` and `X-Robots-Tag` headers come from the record's HTTP header block
(extract's Record.http_headers); the `tdm-reservation` and robots `noai` meta tags from the
page. The page is parsed for its meta tags only when its bytes mention one of them, so the
check costs a substring search on most pages.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.pipelines.crawl.page import read_html
from leam.pipelines.crawl.policyfile import AI_TXT, ROBOTS_TXT, TDMREP_JSON, PolicyFile
from leam.pipelines.optouts.decide import Decision, archived_decision
from leam.pipelines.optouts.hosts import origin_of

POLICY_FILE = "policy_file"  # extract's ledger reason for an archived policy file
POLICY_PATHS = (ROBOTS_TXT, AI_TXT, TDMREP_JSON)

_MENTIONS = (b"tdm-reservation", b"noai")
_HEADERS = ("tdm-reservation", "x-robots-tag")


def response_decision(
    headers: list[tuple[str, str]],
    payload: bytes | None,
    content_type: str,
    tokens: tuple[str, ...],
    warc_date: str | None,
) -> Decision | None:
    """The reservation an archived response carries, or None."""
    has_header = any(k.lower() in _HEADERS for k, _ in headers)
    meta: dict[str, str] = {}
    # bytes.lower() and `in` run at memory speed; a case-insensitive regex was ~15x slower.
    lowered = payload.lower() if payload else b""
    if any(m in lowered for m in _MENTIONS):
        meta = read_html(payload, content_type).meta
    if not has_header and not meta:
        return None
    return archived_decision(headers, meta, tokens, warc_date)


def is_policy_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.path in POLICY_PATHS and not parts.query


def _epoch(warc_date: str | None) -> float:
    try:
        return datetime.fromisoformat((warc_date or "").replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def captured_policies(ledgers: list[Path]) -> dict[str, dict[str, PolicyFile]]:
    """Origin → path → the latest archived copy of each policy file in extract's ledgers.
    The detail holds `<status> <content type>` (status None: the record had none)."""
    found: dict[str, dict[str, PolicyFile]] = {}
    for path in ledgers:
        table = pq.read_table(path, columns=["reason", "url", "text", "detail", "source"])
        rows = table.filter(pc.equal(table.column("reason"), POLICY_FILE)).to_pylist()
        for row in rows:
            origin = origin_of(row["url"])
            if origin is None:
                continue
            status_text, _, ctype = (row["detail"] or "").partition(" ")
            status = int(status_text) if status_text.isdigit() else None
            at = _epoch((row["source"] or {}).get("warc_date"))
            pf = PolicyFile(urlsplit(row["url"]).path, status, row["text"], ctype, None, at)
            files = found.setdefault(origin, {})
            if pf.path not in files or files[pf.path].fetched_at <= at:
                files[pf.path] = pf
    return found
