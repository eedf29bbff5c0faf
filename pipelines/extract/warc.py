"""Reading WARC/WET files record by record, surviving broken records.

warcio parses the records; this module adds what a corpus pipeline needs on top: the byte
offset of every record (provenance), a size cap on payloads, and recovery after a broken
record: a truncated gzip member or a corrupt header ends warcio's iterator, so we look for
the next record start (the next gzip member, or the next `WARC/1.` line in plain files)
and carry on, reporting the broken span instead of losing the rest of the file.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import fsspec
from warcio.archiveiterator import ArchiveIterator

WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")  # the files extract reads
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
DOCUMENT_TYPES = {"response", "resource", "conversion"}
WARC_TYPES = DOCUMENT_TYPES | {"warcinfo", "request", "metadata", "revisit", "continuation"}
_SCAN_CHUNK = 1 << 20
MAX_ERROR_CHARS = 300  # warcio quotes the whole garbled first line


@dataclass
class Record:
    """One document-bearing record (response, resource or WET conversion)."""

    offset: int
    rec_type: str
    url: str
    record_id: str
    warc_date: str
    http_status: int | None  # None for resource/conversion records
    content_type: str  # from the HTTP header, else the WARC header
    payload: bytes | None  # None when the payload was larger than the cap
    payload_size: int
    payload_digest: str  # WARC-Payload-Digest, else the same sha1 computed here; "" over the cap
    # The archived HTTP response headers, in order (opt-out signals: tdm-reservation,
    # X-Robots-Tag); empty for resource and conversion records.
    http_headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BrokenRecord:
    offset: int
    error: str


@dataclass
class OtherRecord:
    """warcinfo, request, metadata...: not documents, counted but not processed."""

    rec_type: str


def iter_records(
    path: str, max_payload_bytes: int
) -> Iterator[Record | BrokenRecord | OtherRecord]:
    with fsspec.open(path, "rb") as f:
        yield from _iter_from(f, start=0, max_payload_bytes=max_payload_bytes)


def _iter_from(
    f: BinaryIO, start: int, max_payload_bytes: int
) -> Iterator[Record | BrokenRecord | OtherRecord]:
    gzipped = _is_gzip(f, start)
    while start is not None:
        f.seek(start)
        iterator = ArchiveIterator(f, no_record_parse=False, check_digests=False)
        last_offset = start
        try:
            for rec in iterator:
                last_offset = iterator.offset  # absolute: warcio starts from f.tell()
                _check(rec)
                if rec.rec_type not in DOCUMENT_TYPES:
                    yield OtherRecord(rec.rec_type)
                    continue
                yield _read_record(rec, last_offset, max_payload_bytes)
            return
        except Exception as err:  # warcio raises many kinds on corrupt input
            # warcio moves `offset` to the start of the record it failed to read.
            broken_at = max(iterator.offset, last_offset)
            yield BrokenRecord(broken_at, f"{type(err).__name__}: {err}"[:MAX_ERROR_CHARS])
        start = _next_record_start(f, broken_at + 1, GZIP_MAGIC if gzipped else WARC_MAGIC)


def _check(rec) -> None:
    """warcio accepts ARC files and headers without a length; a WARC pipeline must not."""
    if rec.format != "warc":
        raise ValueError(f"not a WARC record ({rec.format} format)")
    if rec.rec_type not in WARC_TYPES:
        raise ValueError(f"unknown WARC-Type {rec.rec_type!r}")
    if rec.rec_headers.get_header("Content-Length") is None:
        raise ValueError("WARC record without Content-Length")


def _read_record(rec, offset: int, max_payload_bytes: int) -> Record:
    headers = rec.rec_headers
    http = rec.http_headers
    content_type = (http.get_header("Content-Type") if http else None) or headers.get_header(
        "Content-Type", ""
    )
    stream = rec.content_stream()
    payload = stream.read(max_payload_bytes + 1)
    size = len(payload)
    if size > max_payload_bytes:
        while chunk := stream.read(_SCAN_CHUNK):  # count the rest without keeping it
            size += len(chunk)
        payload = None
    digest = headers.get_header("WARC-Payload-Digest") or (_sha1(payload) if payload else "")
    return Record(
        offset=offset,
        rec_type=rec.rec_type,
        url=headers.get_header("WARC-Target-URI", ""),
        record_id=headers.get_header("WARC-Record-ID", ""),
        warc_date=headers.get_header("WARC-Date", ""),
        http_status=int(http.get_statuscode()) if http and http.get_statuscode() else None,
        content_type=content_type,
        payload=payload,
        payload_size=size,
        payload_digest=digest if payload is not None else "",
        http_headers=list(http.headers) if http else [],
    )


def _sha1(payload: bytes) -> str:
    """The digest as WARC writers put it in WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")


def _is_gzip(f: BinaryIO, start: int) -> bool:
    f.seek(start)
    return f.read(3) == GZIP_MAGIC


def _next_record_start(f: BinaryIO, pos: int, magic: bytes) -> int | None:
    """Offset of the next `magic` at or after pos, or None at end of file."""
    f.seek(pos)
    carry = b""
    base = pos
    while chunk := f.read(_SCAN_CHUNK):
        buf = carry + chunk
        found = buf.find(magic)
        if found >= 0:
            return base - len(carry) + found
        carry = buf[-(len(magic) - 1) :]
        base += len(chunk)
    return None
