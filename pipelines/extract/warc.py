"""Reading WARC/WET files record by record, through damage, with every byte accounted for.

pipelines/extract/warcframe.py splits the file into spans (gzip members, plain records,
damaged spans) that cover it exactly and resynchronises after damage; warcio parses each
record's headers and decodes its payload. This module adds what a corpus pipeline needs on
top: the byte offset of every record (provenance), the bytes of the file each item accounts
for (`length`: records read + damaged spans = the file's size), and a size cap on payloads.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import fsspec
from warcio.archiveiterator import ArchiveIterator

from leam.pipelines.extract.warcframe import DAMAGE_REASONS, Damaged, RawRecord, iter_spans

__all__ = ["DAMAGE_REASONS", "Damaged", "OtherRecord", "Record", "iter_records"]

WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")  # the files extract reads
DOCUMENT_TYPES = {"response", "resource", "conversion"}
_READ_CHUNK = 1 << 20


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
    length: int = 0  # bytes of the file this record accounts for (its gzip member, if any)


@dataclass
class OtherRecord:
    """warcinfo, request, metadata...: not documents, counted but not processed."""

    rec_type: str
    length: int = 0


def iter_records(path: str, max_payload_bytes: int) -> Iterator[Record | OtherRecord | Damaged]:
    """Every record and every damaged span of the file, in file order. An input that cannot
    be opened or read raises (the task fails and names it): it never yields nothing."""
    with fsspec.open(path, "rb") as f:
        for span in iter_spans(f):
            if isinstance(span, Damaged):
                yield span
            else:
                yield _parse(span, max_payload_bytes)


def _parse(raw: RawRecord, max_payload_bytes: int) -> Record | OtherRecord | Damaged:
    """warcio on one record's bytes: the HTTP headers and the decoded payload."""
    try:
        rec = next(iter(ArchiveIterator(io.BytesIO(raw.data), check_digests=False)))
        if rec.rec_type not in DOCUMENT_TYPES:
            return OtherRecord(rec.rec_type, raw.length)
        return _read_record(rec, raw.offset, max_payload_bytes, raw.length)
    except Exception as err:  # warcio and the HTTP status line: many kinds on odd headers
        return Damaged(
            raw.offset, raw.length, "bad_warc_header", f"{type(err).__name__}: {err}"[:300]
        )


def _read_record(rec, offset: int, max_payload_bytes: int, length: int) -> Record:
    headers = rec.rec_headers
    http = rec.http_headers
    content_type = (http.get_header("Content-Type") if http else None) or headers.get_header(
        "Content-Type", ""
    )
    stream = rec.content_stream()
    payload = stream.read(max_payload_bytes + 1)
    size = len(payload)
    if size > max_payload_bytes:
        while chunk := stream.read(_READ_CHUNK):  # count the rest without keeping it
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
        length=length,
    )


def _sha1(payload: bytes) -> str:
    """The digest as WARC writers put it in WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")
