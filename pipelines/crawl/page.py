"""What the crawler reads in a fetched page: links, meta tags, and sitemap entries.

HTML is decoded with the project's decoder (header charset, then meta, then detection) and
parsed by lxml, which makes a tree of broken HTML too. Sitemaps are parsed without network
access or entity expansion (a sitemap is untrusted input).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lxml.etree
import lxml.html

from leam.pipelines.crawl.content import decode_capped
from leam.pipelines.extract.decode import UndecodableError, decode_html

_SITEMAP_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, recover=True, huge_tree=False
)


@dataclass
class PageInfo:
    charset: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # lower-case name → content
    links: list[str] = field(default_factory=list)  # raw hrefs, resolved against base
    base: str | None = None
    error: str | None = None


def read_html(body: bytes, content_type: str) -> PageInfo:
    info = PageInfo()
    try:
        text, info.charset = decode_html(body, content_type)
    except UndecodableError as err:
        info.error = str(err)
        return info
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        tree = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as err:
        info.error = f"unparseable HTML: {err}"
        return info
    for meta in tree.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        if name and meta.get("content") is not None:
            previous = info.meta.get(name)
            content = meta.get("content", "").strip()
            info.meta[name] = f"{previous}, {content}" if previous else content
    base = tree.find(".//base[@href]")
    info.base = base.get("href").strip() if base is not None else None
    for anchor in tree.iter("a", "area"):
        href = anchor.get("href")
        rel = (anchor.get("rel") or "").lower().split()
        if href and "nofollow" not in rel:
            info.links.append(href)
    return info


def read_sitemap(body: bytes, cap: int) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index, gzipped or not."""
    if body[:2] == b"\x1f\x8b":
        body, _ = decode_capped(body, "gzip", cap)
    try:
        root = lxml.etree.fromstring(body, parser=_SITEMAP_PARSER)
    except lxml.etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    pages, sitemaps = [], []
    for loc in root.iter("{*}loc"):
        parent = lxml.etree.QName(loc.getparent()).localname if loc.getparent() is not None else ""
        url = (loc.text or "").strip()
        if url:
            (sitemaps if parent == "sitemap" else pages).append(url)
    return pages, sitemaps
