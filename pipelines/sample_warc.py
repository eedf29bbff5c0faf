"""The bundled sample: web pages in many languages, written into a WARC file.

The texts (pipelines/samples/texts/<lang>.jsonl) are web-page texts written for this project;
each page wraps one in the boilerplate that real sites carry (navigation, sidebar, cookie
notice, footer) so that main-text extraction has real work to do. `leam demo` and the tests
build their WARC files with this module; warcio writes them, as a crawler would.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# A country-code domain per language, for plausible URLs.
_TLD = {
    "en": "co.uk", "el": "gr", "cs": "cz", "da": "dk", "et": "ee", "ga": "ie", "sl": "si",
    "sv": "se", "uk": "com.ua", "zh": "cn", "ja": "jp", "ar": "sa", "sr": "rs", "bs": "ba",
    "ca": "cat", "gl": "gal", "vi": "vn",
}  # fmt: skip


@dataclass(frozen=True)
class SamplePage:
    lang: str
    title: str
    text: str
    url: str


def sample_languages() -> list[str]:
    texts = resources.files("pipelines") / "samples" / "texts"
    return sorted(
        p.name.removesuffix(".jsonl") for p in texts.iterdir() if p.name.endswith(".jsonl")
    )


def sample_pages(
    langs: Iterable[str] | None = None, per_lang: int | None = None
) -> list[SamplePage]:
    """Pages in a stable order: language by language, in file order."""
    pages = []
    for lang in langs or sample_languages():
        path = resources.files("pipelines") / "samples" / "texts" / f"{lang}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines[:per_lang]):
            item = json.loads(line)
            tld = _TLD.get(lang, lang)
            url = f"https://www.portal-{i % 5}.{tld}/{lang}/page-{i:03d}.html"
            pages.append(SamplePage(item["lang"], item["title"], item["text"], url))
    return pages


def render_html(page: SamplePage, charset: str = "utf-8") -> str:
    """The page as a site would serve it: the text inside navigation and footer."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in page.text.split("\n\n") if p)
    title = html.escape(page.title)
    return f"""<!DOCTYPE html>
<html lang="{page.lang}"><head><meta charset="{charset}"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/site.css"><script src="/static/app.js"></script></head>
<body><header class="site-header"><a class="logo" href="/">Portal</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news/">News</a></li>
<li><a href="/sport/">Sport</a></li><li><a href="/contact/">Contact</a></li></ul></nav>
<form action="/search"><input name="q" placeholder="Search"></form></header>
<div id="cookie-banner">We use cookies. <button>OK</button></div>
<main><article><h1>{title}</h1>
<div class="meta"><time datetime="2024-03-15">2024-03-15</time></div>
{paragraphs}
</article>
<aside><h3>More</h3><ul><li><a href="/a/1">1</a></li><li><a href="/a/2">2</a></li>
<li><a href="/a/3">3</a></li></ul></aside></main>
<footer><p>&copy; 2024 Portal</p><a href="/privacy/">Privacy</a> | <a href="/imprint/">Imprint</a>
</footer></body></html>
"""


def _http_response(body: bytes, content_type: str, status: str = "200 OK") -> StatusAndHeaders:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def write_response(
    writer: WARCWriter, url: str, body: bytes, content_type: str, status: str = "200 OK"
) -> None:
    """A request record and its response record, as a crawler writes them."""
    request = StatusAndHeaders(
        f"GET {url} HTTP/1.1", [("User-Agent", "leam-sample")], is_http_request=True
    )
    req = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=request)
    writer.write_record(req)
    resp = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=_http_response(body, content_type, status),
    )
    writer.write_record(resp)


def write_sample_warc(path: Path, pages: Iterable[SamplePage]) -> int:
    """A gzipped WARC (one gzip member per record) with a warcinfo record; returns pages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=str(path).endswith(".gz"))
        info = writer.create_warcinfo_record(path.name, {"software": "leam-corpus sample"})
        writer.write_record(info)
        for page in pages:
            body = render_html(page).encode("utf-8")
            write_response(writer, page.url, body, "text/html; charset=utf-8")
            count += 1
    return count


def iter_chunks(items: list, n: int) -> Iterator[list]:
    """Split items into n nearly equal runs (for several input files)."""
    size, rest = divmod(len(items), n)
    start = 0
    for i in range(n):
        end = start + size + (1 if i < rest else 0)
        yield items[start:end]
        start = end
