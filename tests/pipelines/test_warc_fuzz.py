"""Property-based damage of real WARC files (written by warcio): the reader never crashes,
accounts for every byte, and recovers every record whose bytes were left intact, unchanged.

The damage: bytes flipped, zeroed blocks, bytes inserted or deleted, the file cut anywhere,
garbage appended, two files concatenated, a record's body cut short (as its writer would
have left it). Each edit replaces the bytes [a, b) of the clean file; a record is intact
when no edit touches its span, and it must then be read at its shifted offset.
"""

from __future__ import annotations

import functools
import gzip
import io
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.warcwriter import WARCWriter

from leam.pipelines.extract.warc import Damaged, Record
from leam.pipelines.extract.warcframe import iter_spans
from tests.sample_warc import render_html, sample_pages, write_response

Edit = tuple[int, int, bytes]  # replace clean[a:b] with these bytes
LAYOUTS = ("gzip", "plain", "mixed")


@functools.cache
def clean_file(layout: str) -> tuple[bytes, tuple[tuple[int, int, bytes], ...]]:
    """A WARC of 6 pages (request + response each) and each page's (start, end, members)."""
    out, spans = b"", []
    for i, page in enumerate(sample_pages(["de", "el"], per_lang=3)):
        zipped = layout == "gzip" or (layout == "mixed" and i % 2 == 0)
        buf = io.BytesIO()
        write_response(WARCWriter(buf, gzip=zipped), page.url, render_html(page).encode(),
                       "text/html")  # fmt: skip
        spans.append((len(out), len(out) + len(buf.getvalue()), buf.getvalue()))
        out += buf.getvalue()
    return out, tuple(spans)


def _read(data: bytes) -> list:
    from leam.pipelines.extract.warc import _parse

    items = []
    for span in iter_spans(io.BytesIO(data)):
        items.append(span if isinstance(span, Damaged) else _parse(span, 5_000_000))
    return items


def _body_cut(raw: bytes, cut: int) -> bytes:
    """A page's records with the response body cut short and the length left as written."""
    plain = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    short = plain[: len(plain) - 4 - cut] + b"\r\n\r\n"
    if raw[:2] != b"\x1f\x8b":
        return short
    packer = zlib.compressobj(wbits=31)
    return packer.compress(short) + packer.flush()


@st.composite
def edits(draw, layout: str) -> list[Edit]:
    clean, spans = clean_file(layout)
    n = len(clean)
    kinds = st.sampled_from(["flip", "zero", "insert", "delete", "truncate", "append", "cut"])
    out: list[Edit] = []
    for kind in draw(st.lists(kinds, min_size=1, max_size=4)):
        at = draw(st.integers(0, n - 1))
        if kind == "flip":
            out.append((at, at + 1, bytes([clean[at] ^ draw(st.integers(1, 255))])))
        elif kind == "zero":
            size = draw(st.integers(1, 3000))
            out.append((at, min(n, at + size), bytes(min(n, at + size) - at)))
        elif kind == "insert":
            out.append((at, at, draw(st.binary(min_size=1, max_size=64))))
        elif kind == "delete":
            out.append((at, min(n, at + draw(st.integers(1, 500))), b""))
        elif kind == "truncate":
            out.append((at, n, b""))
        elif kind == "append":
            out.append((n, n, draw(st.binary(min_size=1, max_size=200))))
        else:
            start, end, raw = spans[draw(st.integers(0, len(spans) - 1))]
            out.append((start, end, _body_cut(raw, draw(st.integers(1, 200)))))
    out.sort(key=lambda e: (e[0], e[1]))
    kept: list[Edit] = []
    for e in out:  # edits that overlap an earlier one are dropped
        if not kept or (e[0] >= kept[-1][1] and not (e[0] == e[1] == kept[-1][1])):
            kept.append(e)
    return kept


def _apply(clean: bytes, edit_list: list[Edit]) -> bytes:
    out, pos = [], 0
    for a, b, new in edit_list:
        out += [clean[pos:a], new]
        pos = b
    return b"".join([*out, clean[pos:]])


def _intact(spans, edit_list: list[Edit]) -> dict[int, int]:
    """{page index: its offset in the damaged file} for pages no edit touched."""
    found = {}
    for i, (start, end, _) in enumerate(spans):
        touched = any((a < end and b > start) if a < b else start < a < end
                      for a, b, _ in edit_list)  # fmt: skip
        if not touched:
            shift = sum(len(new) - (b - a) for a, b, new in edit_list if b <= start and a <= start)
            found[i] = start + shift
    return found


def _check(layout: str, data: bytes, intact: dict[int, int]) -> None:
    items = _read(data)  # never raises
    assert sum(i.length for i in items) == len(data)
    clean_records = {r.url: r for r in _read(clean_file(layout)[0]) if isinstance(r, Record)}
    urls = list(clean_records)
    got = {(r.offset, r.url): r for r in items if isinstance(r, Record)}
    _, spans = clean_file(layout)
    for page, offset in intact.items():
        clean = clean_records[urls[page]]
        # the response follows its request: inside the same span, after the request record
        match = [r for (o, url), r in got.items() if url == clean.url and offset <= o < offset
                 + spans[page][1] - spans[page][0]]  # fmt: skip
        assert match, f"intact page {page} at {offset} not recovered"
        rec = match[0]
        assert (rec.payload, rec.record_id, rec.http_status, rec.content_type) == (
            clean.payload, clean.record_id, clean.http_status, clean.content_type)  # fmt: skip


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.sampled_from(LAYOUTS).flatmap(lambda lay: st.tuples(st.just(lay), edits(lay))))
def test_damage_never_loses_an_intact_record(case):
    layout, edit_list = case
    clean, spans = clean_file(layout)
    _check(layout, _apply(clean, edit_list), _intact(spans, edit_list))


@FUZZ
@given(st.sampled_from(LAYOUTS), st.binary(max_size=300))
def test_two_files_concatenated_with_garbage_between(layout, junk):
    clean, spans = clean_file(layout)
    data = clean + junk + clean
    intact = {i: s for i, (s, _, _) in enumerate(spans)}
    _check(layout, data, intact)
    second = {i: s + len(clean) + len(junk) for i, (s, _, _) in enumerate(spans)}
    _check(layout, data, second)


def test_clean_files_read_whole():
    for layout in LAYOUTS:
        clean, spans = clean_file(layout)
        items = _read(clean)
        assert not [i for i in items if isinstance(i, Damaged)]
        assert sum(isinstance(i, Record) for i in items) == len(spans)
