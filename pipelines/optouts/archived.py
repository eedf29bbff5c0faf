"""Opt-out signals archived in a WARC response, whoever crawled it: no network needed.

The `tdm-reservation` and `X-Robots-Tag` headers come from the record's HTTP header block
(extract's Record.http_headers); the `tdm-reservation` and robots `noai` meta tags from the
page. The page is parsed for its meta tags only when its bytes mention one of them, so the
check costs a substring search on most pages.
"""

from __future__ import annotations

from leam.pipelines.crawl.page import read_html
from leam.pipelines.optouts.decide import Decision, archived_decision

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
