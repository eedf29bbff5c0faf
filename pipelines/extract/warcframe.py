"""Splitting a WARC/WET file into records, resynchronising after damage, every byte accounted.

A file is read as a sequence of spans that cover it exactly, end to end:
- a gzip member (gzip magic at the span's start): decompressed whole (zlib checks its CRC
  and length), its content then split into plain records;
- a plain record (`WARC/1.x` at the span's start): header, Content-Length bytes of block,
  the `\\r\\n\\r\\n` that must follow (and the blank lines some writers add after it);
- a damaged span: from where reading failed to the next place a record can start (the next
  gzip magic, or the next `WARC/1.` line), with the reason.

A file may mix gzip members and plain records. Damage never ends the file: a flipped byte
costs the gzip member (or plain record) that holds it, and the spans around it are read as
usual. What a span holds is read whole into memory: one record per gzip member, the layout
the WARC standard recommends and Common Crawl uses, keeps that to one record.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
_WARC_LINE = re.compile(rb"WARC/1\.[01]\r?\n")
_PADDING = b"\r\n"
MAX_HEADER_BYTES = 1 << 16  # a WARC header longer than this is not one
MAX_MEMBER_BYTES = 1 << 30  # decompressed: past this a member is refused, not read
_CHUNK = 1 << 20
_FIRST_FEED = 1 << 14

# Why a span could not be read (the ledger's `reason`):
DamageReason = Literal["bad_gzip", "truncated", "bad_warc_header", "bad_length", "bad_digest",
                       "garbage"]  # fmt: skip
DAMAGE_REASONS: tuple[str, ...] = DamageReason.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RawRecord:
    """A record's bytes as written (header, block and the blank line after it)."""

    offset: int  # where its span starts in the file (the gzip member's start, if gzipped)
    length: int  # bytes of the file this record accounts for (0 for a member's later records)
    data: bytes


@dataclass(frozen=True)
class Damaged:
    """A span of the file that could not be read: it goes to the ledger, never lost."""

    offset: int
    length: int
    reason: DamageReason
    detail: str


class _Bad(Exception):
    def __init__(self, reason: DamageReason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


class _Window:
    """A forward-moving view of the file: bytes from `start`, read in large chunks."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        f.seek(0, 2)
        self.size = f.tell()
        f.seek(0)
        self.start, self.buf = 0, b""

    def get(self, pos: int, n: int) -> bytes:
        """File bytes [pos, pos + n), fewer only at the end of the file."""
        end = min(pos + n, self.size)
        if pos < self.start or end > self.start + len(self.buf):
            self.f.seek(pos)
            self.start, self.buf = pos, self.f.read(max(end - pos, _CHUNK))
        return self.buf[pos - self.start : end - self.start]

    def find_resync(self, pos: int) -> int:
        """The next place at or after pos where a record can start, else the file's end."""
        while pos < self.size:
            chunk = self.get(pos, _CHUNK + len(WARC_MAGIC))
            hits = [i for i in (_gzip_at(chunk), chunk.find(WARC_MAGIC)) if i >= 0]
            if hits:
                return pos + min(hits)
            pos += max(1, len(chunk) - len(WARC_MAGIC))
        return self.size


def _gzip_at(chunk: bytes) -> int:
    """First gzip member header in chunk: magic, then a flags byte with no reserved bits."""
    i = chunk.find(GZIP_MAGIC)
    while i >= 0 and i + 3 < len(chunk) and chunk[i + 3] & 0xE0:
        i = chunk.find(GZIP_MAGIC, i + 1)
    return i


def iter_spans(f: BinaryIO, check_digests: bool = True) -> Iterator[RawRecord | Damaged]:
    """Every span of the file, in order; their lengths add up to the file's size."""
    win = _Window(f)
    pos = 0
    while pos < win.size:
        head = win.get(pos, len(WARC_MAGIC))
        try:
            if head.startswith(GZIP_MAGIC):
                end, records = _read_member(win, pos)
            elif head == WARC_MAGIC:
                end, records = _read_plain(win, pos, check_digests)
            else:
                nxt = win.find_resync(pos + 1)
                yield Damaged(pos, nxt - pos, "garbage", _show(win.get(pos, 40)))
                pos = nxt
                continue
        except _Bad as bad:
            nxt = win.find_resync(pos + 1)
            yield Damaged(pos, nxt - pos, bad.reason, bad.detail)
            pos = nxt
            continue
        yield from records
        pos = end


def _read_member(win: _Window, pos: int) -> tuple[int, list[RawRecord]]:
    """One gzip member at pos: its end and its records. Any fault spoils the whole member."""
    inflate = zlib.decompressobj(wbits=31)
    out: list[bytes] = []
    size, fed, step = 0, pos, _FIRST_FEED
    while not inflate.eof:
        chunk = win.get(fed, step)
        step = min(step * 2, _CHUNK)  # small first: what zlib leaves unused is copied
        if not chunk:
            raise _Bad("truncated", f"gzip member ends early, at {win.size - pos} bytes")
        try:
            data = inflate.decompress(chunk, MAX_MEMBER_BYTES + 1 - size)
        except zlib.error as err:
            raise _Bad("bad_gzip", f"zlib: {err}") from None
        out.append(data)
        size += len(data)
        if size > MAX_MEMBER_BYTES:
            raise _Bad("bad_gzip", f"member inflates past {MAX_MEMBER_BYTES:,} bytes")
        fed += len(chunk) - len(inflate.unused_data)
        if inflate.unconsumed_tail:  # stopped at the output cap with input left
            raise _Bad("bad_gzip", f"member inflates past {MAX_MEMBER_BYTES:,} bytes")
    content = b"".join(out)
    records: list[RawRecord] = []
    at = 0
    while at < len(content):
        end = _split_record(content, at, check_digests=False)  # zlib checked the CRC
        records.append(RawRecord(pos, 0, content[at:end]))
        at = _skip_padding(content, end)
    if not records:
        raise _Bad("bad_warc_header", "gzip member holds no WARC record")
    first = records[0]
    records[0] = RawRecord(first.offset, fed - pos, first.data)
    return fed, records


def _read_plain(win: _Window, pos: int, check_digests: bool) -> tuple[int, list[RawRecord]]:
    """One uncompressed record at pos, and the blank lines after it."""
    head = win.get(pos, MAX_HEADER_BYTES)
    header_end = head.find(b"\r\n\r\n")
    if header_end < 0:
        at_eof = pos + len(head) >= win.size
        raise _Bad("truncated" if at_eof else "bad_warc_header", "no end of WARC header")
    length = _content_length(head[: header_end + 4])
    total = header_end + 4 + length + 4
    if pos + total > win.size:  # a file cut short, unless a record follows: then a lie
        cut = win.find_resync(pos + 1) == win.size
        raise _Bad("truncated" if cut else "bad_length",
                   f"Content-Length {length} runs past the end of the file")  # fmt: skip
    data = win.get(pos, total)
    end = _split_record(data, 0, check_digests)
    after = win.get(pos + end, 1 << 12)
    end += len(after) - len(after.lstrip(_PADDING))
    return pos + end, [RawRecord(pos, end, data)]


def _split_record(buf: bytes, at: int, check_digests: bool) -> int:
    """The end of the record that starts at `at` in buf (after its closing blank line)."""
    header_end = buf.find(b"\r\n\r\n", at, at + MAX_HEADER_BYTES)
    if header_end < 0:
        raise _Bad("truncated" if len(buf) - at < MAX_HEADER_BYTES else "bad_warc_header",
                   "no end of WARC header")  # fmt: skip
    header = buf[at : header_end + 4]
    length = _content_length(header)
    block = header_end + 4
    end = block + length
    if end + 4 > len(buf):
        raise _Bad("truncated", f"block of {length} bytes ends early, at {len(buf) - block}")
    if buf[end : end + 4] != b"\r\n\r\n":
        raise _Bad("bad_length", f"no blank line after Content-Length {length}")
    if check_digests:
        _check_digest(header, buf[block:end])
    return end + 4


def _content_length(header: bytes) -> int:
    """Checks the header's shape and returns its Content-Length."""
    if not _WARC_LINE.match(header):
        raise _Bad("bad_warc_header", f"not a WARC/1.0 or 1.1 line: {_show(header[:20])}")
    length = None
    for line in header.split(b"\n")[1:]:
        line = line.rstrip(b"\r")
        if not line or line[:1] in b" \t":
            continue
        name, sep, value = line.partition(b":")
        if not sep or not name.strip() or b"\x00" in line:
            raise _Bad("bad_warc_header", f"not a header line: {_show(line[:40])}")
        if name.strip().lower() == b"warc-type" and value.strip() not in WARC_TYPES:
            raise _Bad("bad_warc_header", f"unknown WARC-Type {_show(value.strip())}")
        if name.strip().lower() == b"content-length":
            if not value.strip().isdigit():
                raise _Bad("bad_warc_header", f"Content-Length {_show(value.strip())}")
            length = int(value)
    if length is None:
        raise _Bad("bad_warc_header", "WARC record without Content-Length")
    return length


WARC_TYPES = {b"response", b"resource", b"conversion", b"warcinfo", b"request", b"metadata",
              b"revisit", b"continuation"}  # fmt: skip


def _check_digest(header: bytes, block: bytes) -> None:
    """WARC-Block-Digest, where the writer gave one in a form we know (sha1/sha256, base32
    or hex): the only guard of an uncompressed record's bytes."""
    match = re.search(rb"(?im)^WARC-Block-Digest:\s*(sha1|sha256):([A-Za-z0-9=]+)", header)
    if not match:
        return
    algo, want = match.group(1).lower().decode(), match.group(2).decode()
    digest = hashlib.new(algo, block).digest()
    if want.upper() in (base64.b32encode(digest).decode(), digest.hex().upper()):
        return
    raise _Bad("bad_digest", f"WARC-Block-Digest {algo}:{want} does not match the block")


def _skip_padding(buf: bytes, at: int) -> int:
    while at < len(buf) and buf[at] in _PADDING:
        at += 1
    return at


def _show(raw: bytes) -> str:
    return repr(raw)[2:-1]
