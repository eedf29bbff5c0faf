"""The crawler's test web: four virtual hosts on 127.0.0.1 with every case the crawler
must handle. Each path's expected fate is listed here, next to how it is served."""

from __future__ import annotations

import gzip
import json
import zlib

import brotli

from leam.pipelines.crawl.localsite import Reply, Site, html_reply, linked_page
from tests.sample_warc import render_html, sample_pages

MAX_BYTES = 300_000  # the tests' --max-bytes
B_CRAWL_DELAY = 0.25  # host B's robots.txt Crawl-delay
A, B, C, D = range(4)

ROBOTS_A = """User-agent: *
Disallow: /private/
Allow: /private/open.html

User-agent: LEAMbot
Disallow: /private/
Allow: /private/open.html
Disallow: /leambot-only/
"""
TDMREP_B = [
    {
        "location": "/reserved/*",
        "tdm-reservation": 1,
        "tdm-policy": "https://shop.example/tdm-policy.json",
    },
    {"location": "/", "tdm-reservation": 0},
]

A_LANGS = ("de", "fr", "pl", "el", "bg")
B_LANGS = ("es", "pt", "nl", "sv")
PRIVATE_TARGET = "http://169.254.169.254/latest/meta-data/"

# Paths of host A that must never be requested, and why.
A_NEVER = {
    "/private/secret.html": "robots.txt Disallow for *",
    "/leambot-only/x.html": "robots.txt Disallow for our token",
    "/doc.pdf": "binary file extension",
    "/never.html": "linked from a nofollow page",
    "/deep.html": "beyond --max-depth",
}
B_NEVER = {"/reserved/a.html": "tdmrep.json", "/ai-blocked/b.html": "ai.txt"}


def _page(lang: str, i: int = 0):
    return sample_pages([lang], per_lang=i + 1)[i]


def _text(body: bytes, ctype: str = "text/html; charset=utf-8", extra=()) -> Reply:
    return Reply(200, body, [("Content-Type", ctype), *extra])


def _lang_pages(langs) -> dict[str, str]:
    return {f"/{lang}/page-000.html": lang for lang in langs}


def _busy(hit, count: int) -> Reply:
    if count == 1:
        return Reply(429, b"slow down", [("Retry-After", "1"), ("Content-Type", "text/plain")])
    return html_reply(render_html(_page("it")))


def build_sites() -> list[Site]:
    """Host C's home link and host A's cross-host redirect are fixed up by `link` once the
    ports are known."""
    a: Site = {"/robots.txt": _text(ROBOTS_A.encode(), "text/plain")}
    home = [(p, lang) for p, lang in _lang_pages(A_LANGS).items()]
    for path, lang in _lang_pages(A_LANGS).items():
        a[path] = html_reply(render_html(_page(lang)))
    page = _page("cs")
    a["/private/secret.html"] = html_reply(render_html(page))
    a["/private/open.html"] = html_reply(render_html(_page("it", 1)))
    a["/leambot-only/x.html"] = html_reply(render_html(page))
    a["/tdm-header.html"] = html_reply(
        render_html(_page("sk")),
        headers=[("tdm-reservation", "1"), ("tdm-policy", "https://a.example/policy.json")],
    )
    a["/tdm-meta.html"] = html_reply(
        linked_page(_page("sl"), [], '<meta name="tdm-reservation" content="1">')
    )
    a["/noai-meta.html"] = html_reply(
        linked_page(_page("hr"), [], '<meta name="robots" content="noai, noimageai">')
    )
    a["/noai-header.html"] = html_reply(
        render_html(_page("lt")), headers=[("X-Robots-Tag", "LEAMbot: noai")]
    )
    a["/noimageai.html"] = html_reply(
        linked_page(_page("lv"), [], '<meta name="robots" content="noimageai">')
    )
    a["/redirect"] = Reply(301, b"", [("Location", "/fr/page-000.html")])
    a["/redirect-private"] = Reply(302, b"", [("Location", PRIVATE_TARGET)])
    a["/missing"] = Reply(404, b"<html><body>gone</body></html>", [("Content-Type", "text/html")])
    a["/error"] = Reply(500, b"<html><body>oops</body></html>", [("Content-Type", "text/html")])
    a["/busy"] = _busy
    a["/slow"] = Reply(200, b"<html>late</html>", [("Content-Type", "text/html")], delay_s=2.5)
    huge = render_html(_page("da")).replace("</article>", "<p>" + "lorem " * 120_000 + "</p>")
    a["/huge.html"] = html_reply(huge)
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    a["/bomb.html"] = Reply(
        200, bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    )
    br_page = render_html(_page("fi")).encode()
    a["/brotli.html"] = Reply(
        200, brotli.compress(br_page), [("Content-Type", "text/html"), ("Content-Encoding", "br")]
    )
    raw_deflate = zlib.compressobj(wbits=-15)
    deflated = raw_deflate.compress(render_html(_page("et")).encode()) + raw_deflate.flush()
    a["/deflate.html"] = Reply(
        200, deflated, [("Content-Type", "text/html"), ("Content-Encoding", "deflate")]
    )
    a["/data"] = Reply(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 5000, [("Content-Type", "image/png")])
    a["/broken.html"] = _text(
        b"<html><head><title>Broken</title><body><div><p>Unclosed <b>tags <a href='/found-in-broken"
        b".html'>a link</a><table><tr><td>cell</div></p>\x00\xff garbage &nbsp &#xZZ; <p"
    )
    a["/found-in-broken.html"] = html_reply(linked_page(_page("ro"), [("/deep.html", "deeper")]))
    a["/deep.html"] = html_reply(render_html(_page("ro", 1)))
    latin2 = render_html(_page("pl", 1), charset="iso-8859-2").encode(
        "iso-8859-2", "xmlcharrefreplace"
    )
    a["/latin2.html"] = _text(latin2, "text/html; charset=iso-8859-2")
    a["/nofollow.html"] = html_reply(
        linked_page(
            _page("hu"), [("/never.html", "never")], '<meta name="robots" content="nofollow">'
        )
    )
    a["/never.html"] = html_reply(render_html(_page("hu", 1)))
    links = home + [
        (p, p)
        for p in (
            "/private/secret.html",
            "/private/open.html",
            "/leambot-only/x.html",
            "/tdm-header.html",
            "/tdm-meta.html",
            "/noai-meta.html",
            "/noai-header.html",
            "/noimageai.html",
            "/redirect",
            "/redirect-private",
            "/redirect-other",
            "/missing",
            "/error",
            "/busy",
            "/slow",
            "/huge.html",
            "/bomb.html",
            "/brotli.html",
            "/deflate.html",
            "/doc.pdf",
            "/data",
            "/broken.html",
            "/latin2.html",
            "/nofollow.html",
            "HOST_C/",
        )
    ]
    a["/"] = html_reply(linked_page(_page("mt"), links))

    b: Site = {
        "/robots.txt": _text(
            f"User-agent: *\nCrawl-delay: {B_CRAWL_DELAY}\n".encode(), "text/plain"
        ),
        "/.well-known/tdmrep.json": _text(json.dumps(TDMREP_B).encode(), "application/json"),
        "/ai.txt": _text(b"User-Agent: *\nDisallow: /ai-blocked/\n", "text/plain"),
    }
    for path, lang in _lang_pages(B_LANGS).items():
        b[path] = html_reply(render_html(_page(lang)))
    b["/reserved/a.html"] = html_reply(render_html(_page("es", 1)))
    b["/ai-blocked/b.html"] = html_reply(render_html(_page("pt", 1)))
    b["/from-a.html"] = html_reply(render_html(_page("nl", 1)))
    b_links = [(p, lang) for p, lang in _lang_pages(B_LANGS).items()]
    b_links += [("/reserved/a.html", "r"), ("/ai-blocked/b.html", "ai")]
    b["/"] = html_reply(linked_page(_page("ga"), b_links))

    c: Site = {"/robots.txt": Reply(503, b"maintenance", [("Content-Type", "text/plain")])}
    c["/"] = html_reply(render_html(_page("de", 1)))

    d: Site = {
        "/.well-known/tdmrep.json": _text(b"{not json", "application/json"),
        "/": html_reply(render_html(_page("fr", 1))),
    }
    return [a, b, c, d]


def link(sites: list[Site], hosts: list[str]) -> None:
    """Cross-host links: A's home → C's home, A's /redirect-other → a page of B."""
    home = sites[A]["/"]
    home.body = home.body.replace(b"HOST_C/", f"http://{hosts[C]}/".encode())
    sites[A]["/redirect-other"] = Reply(301, b"", [("Location", f"http://{hosts[B]}/from-a.html")])
