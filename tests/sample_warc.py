"""The bundled sample pages written into WARC files, as a crawler writes them (tests, benchmarks).

warcio writes them; the pages themselves are leam.pipelines.samples (what `leam demo` serves).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leam.pipelines.samples import SamplePage, render_html, sample_pages

__all__ = ["SamplePage", "iter_chunks", "render_html", "sample_pages", "write_response",
           "write_sample_warc"]

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
