"""The crawler's WARC output: warcinfo, then a response and a request record per fetch.

Gzipped, one gzip member per record (what warcio, datatrove's WarcReader and our extract
stage read). The body is stored decoded, as Common Crawl does: the original
Content-Encoding, Transfer-Encoding and Content-Length headers are kept as
`X-Crawler-<name>` and Content-Length gives the stored length; a body cut at the size
limit carries `WARC-Truncated: length`.

Files roll over at `max_bytes`. `end` offsets of committed records go into the partition
journal; a file is cut back to its last committed end when a killed task is resumed, so
half-written records never stay behind.
"""

from __future__ import annotations

import io
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leam.corpus import __version__
from leam.pipelines.crawl.fetch import Response

_RENAMED = ("content-encoding", "transfer-encoding", "content-length")


def warc_date(ts: float) -> str:
    return (
        datetime.fromtimestamp(ts, timezone.utc)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


class WarcFiles:
    """Writes records into `<folder>/<prefix>-NNN.warc.gz`, a new file past max_bytes."""

    def __init__(self, folder: Path, prefix: str, info: dict[str, str], max_bytes: int) -> None:
        self.folder, self.prefix, self.info, self.max_bytes = folder, prefix, info, max_bytes
        self._file = None
        self._writer: WARCWriter | None = None
        self.name: str | None = None

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        taken = {p.name for p in self.folder.glob(f"{self.prefix}-*.warc.gz")}
        seq = 0
        while f"{self.prefix}-{seq:03d}.warc.gz" in taken:
            seq += 1
        self.name = f"{self.prefix}-{seq:03d}.warc.gz"
        self._file = (self.folder / self.name).open("wb")
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = {"software": f"leam-corpus/{__version__}", **self.info}
        self._writer.write_record(self._writer.create_warcinfo_record(self.name, info))

    def write(self, response: Response, truncated: bool) -> tuple[str, int, int]:
        """Writes the response and its request; returns (file name, offset, end)."""
        if self._file is None or self._file.tell() > self.max_bytes:
            self.close()
            self._open()
        assert self._writer is not None and self._file is not None
        w = self._writer
        body = response.body or b""
        headers = [
            (f"X-Crawler-{k}" if k.lower() in _RENAMED else k, v) for k, v in response.headers
        ]
        headers.append(("Content-Length", str(len(body))))
        status = f"{response.status} {response.reason}".strip()
        http = StatusAndHeaders(status, headers, protocol=response.http_version)
        warc_headers = {"WARC-Date": warc_date(response.fetched_at)}
        if response.ip:
            warc_headers["WARC-IP-Address"] = response.ip
        if truncated:
            warc_headers["WARC-Truncated"] = "length"
        resp = w.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=warc_headers,
        )
        path = _request_target(response.url)
        request = StatusAndHeaders(
            f"GET {path} {response.http_version}",
            response.request_headers,
            is_http_request=True,
        )
        req = w.create_warc_record(
            response.url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=request,
            warc_headers_dict={
                "WARC-Date": warc_headers["WARC-Date"],
                "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        offset = self._file.tell()
        w.write_record(resp)
        w.write_record(req)
        self._file.flush()
        return self.name or "", offset, self._file.tell()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def cut_back(path: Path, end: int) -> None:
    """Drops what a killed task wrote after its last committed record (or the whole file)."""
    if not path.exists():
        return
    if end <= 0:
        path.unlink()
    elif path.stat().st_size > end:
        with path.open("r+b") as f:
            f.truncate(end)
            os.fsync(f.fileno())
