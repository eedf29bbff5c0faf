"""Test WARC files built with warcio: real pages, and every kind of broken record we handle."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.warcwriter import WARCWriter

from tests.sample_warc import SamplePage, render_html, sample_pages, write_response

# Languages of the clean test file: EU languages in several scripts, and others to reject.
PAGE_LANGS = ("de", "fr", "pl", "sl", "el", "bg", "mt", "ga", "ru", "zh", "tr")
PAGES_PER_LANG = 2


def pages() -> list[SamplePage]:
    return sample_pages(PAGE_LANGS, per_lang=PAGES_PER_LANG)


def build_pages_warc(path: Path) -> None:
    from tests.sample_warc import write_sample_warc

    write_sample_warc(path, pages())


def _member(write) -> bytes:
    """One gzip member holding the records that `write(writer)` writes."""
    buf = io.BytesIO()
    write(WARCWriter(buf, gzip=True))
    return buf.getvalue()


# What the broken file holds, in order, and what extract must say of each.
BROKEN_EXPECTED = {
    "kept": 3,  # a page with an unknown charset label, a cp1250 page, a page after the break
    "not_html": 2,
    "http_status": 1,
    "too_large": 1,
    "no_text": 1,
    "bad_gzip": 1,  # the member cut in half: zlib runs into the next member
}
HUGE_PAGE_CHARS = 6_000_000  # over extract's default max_payload_bytes (5 MB)


def build_broken_warc(path: Path) -> None:
    page = sample_pages(["cs"], per_lang=3)
    members = []

    def response(url, body, ctype, status="200 OK"):
        members.append(_member(lambda w: write_response(w, url, body, ctype, status)))

    unknown = render_html(page[0]).encode()
    response(page[0].url, unknown, "text/html; charset=x-no-such-charset")
    cp1250 = render_html(page[1], charset="windows-1250").encode("cp1250")
    response(page[1].url, cp1250, "text/html")
    response("https://img.example.cz/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
    response("https://docs.example.cz/a.pdf", b"%PDF-1.4\n%binary\n", "application/pdf")
    response(
        "https://www.example.cz/missing",
        b"<html><body>Not found</body></html>",
        "text/html",
        "404 Not Found",
    )
    huge = render_html(page[2]).replace(
        "</article>", "<p>" + "x " * (HUGE_PAGE_CHARS // 2) + "</p></article>"
    )
    response("https://www.example.cz/huge", huge.encode(), "text/html; charset=utf-8")
    response(
        "https://www.example.cz/empty",
        b"<html><head><title>-</title></head><body><script>var a = 1;</script></body></html>",
        "text/html",
    )
    # A member cut in the middle (a download that broke off), then one more good page.
    truncated = _member(
        lambda w: write_response(w, "https://www.example.cz/cut", unknown, "text/html")
    )
    members.append(truncated[: len(truncated) // 2])
    response(page[2].url, render_html(page[2]).encode(), "text/html; charset=utf-8")
    path.write_bytes(b"".join(members))


WET_LANGS = ("de", "it")


def wet_texts() -> dict[str, str]:
    return {
        f"https://www.portal-1.{lang}/wet.html": sample_pages([lang], 4)[3].text
        for lang in WET_LANGS
    }


def build_wet(path: Path) -> None:
    """A WET file: conversion records holding text, as Common Crawl publishes them."""
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, text in wet_texts().items():
            body = text.encode()
            rec = writer.create_warc_record(
                url, "conversion", payload=io.BytesIO(body), warc_content_type="text/plain"
            )
            writer.write_record(rec)
