"""The bundled sample pages: web-page texts in many languages, rendered as a site serves them.

The texts (pipelines/samples/texts/<lang>.jsonl) are web-page texts written for this project;
each page wraps one in the boilerplate that real sites carry (navigation, sidebar, cookie
notice, footer) so that main-text extraction has real work to do. `leam demo` serves them
(pipelines/crawl/demosite.py), which is why they ship in the package; the tests and benchmarks
write them into WARC files (tests/sample_warc.py).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

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
    texts = resources.files("leam.pipelines") / "samples" / "texts"
    return sorted(
        p.name.removesuffix(".jsonl") for p in texts.iterdir() if p.name.endswith(".jsonl")
    )


def sample_pages(
    langs: Iterable[str] | None = None, per_lang: int | None = None
) -> list[SamplePage]:
    """Pages in a stable order: language by language, in file order."""
    pages = []
    for lang in langs or sample_languages():
        path = resources.files("leam.pipelines") / "samples" / "texts" / f"{lang}.jsonl"
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
