"""The WARC reader: records with offsets, every kind of damage named, every byte accounted."""

import gzip
import io
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from leam.pipelines.extract.warc import Damaged, OtherRecord, Record, iter_records
from tests.sample_warc import render_html, sample_pages, write_response
from tests.warcs import build_broken_warc, build_pages_warc

LIMIT = 5_000_000


def _read(path: Path, limit: int = LIMIT) -> list[Record | OtherRecord | Damaged]:
    items = list(iter_records(str(path), limit))
    assert sum(i.length for i in items) == path.stat().st_size  # every byte, exactly once
    return items


def _records(items) -> list[Record]:
    return [r for r in items if isinstance(r, Record)]


def _damaged(items) -> list[tuple[str, int, int]]:
    return [(d.reason, d.offset, d.length) for d in items if isinstance(d, Damaged)]


def _record_bytes(lang: str, n: int, gzipped: bool) -> list[bytes]:
    """Each page's request + response records, as one byte string per page."""
    out = []
    for page in sample_pages([lang], per_lang=n):
        buf = io.BytesIO()
        write_response(WARCWriter(buf, gzip=gzipped), page.url, render_html(page).encode(),
                       "text/html")  # fmt: skip
        out.append(buf.getvalue())
    return out


def test_offsets_point_at_their_records(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    records = _records(_read(path))
    assert len(records) > 10
    with path.open("rb") as f:
        for rec in records:
            f.seek(rec.offset)
            first = next(iter(ArchiveIterator(f)))
            assert first.rec_headers.get_header("WARC-Record-ID") == rec.record_id


def test_member_cut_in_half_costs_that_member_only(tmp_path: Path):
    path = tmp_path / "broken.warc.gz"
    build_broken_warc(path)
    items = _read(path)
    ((reason, offset, length),) = _damaged(items)
    assert reason == "bad_gzip" and length > 0
    after = items[[isinstance(i, Damaged) for i in items].index(True) + 1]
    assert isinstance(after, OtherRecord) and after.rec_type == "request"
    last = _records(items)[-1]  # the page after the break was read
    assert last.offset > offset + length and b"</html>" in last.payload


def test_flipped_byte_in_a_member_is_bad_gzip_and_the_rest_is_read(tmp_path: Path):
    members = _record_bytes("de", 3, gzipped=True)
    data = bytearray(b"".join(members))
    hit = len(members[0]) + len(members[1]) // 2  # inside the second page's members
    data[hit] ^= 0x55
    path = tmp_path / "flip.warc.gz"
    path.write_bytes(bytes(data))
    items = _read(path)
    urls = [p.url for p in sample_pages(["de"], 3)]
    assert [r.url for r in _records(items)] == [urls[0], urls[2]]
    assert [d[0] for d in _damaged(items)] == ["bad_gzip"]


def test_file_cut_short_is_truncated(tmp_path: Path):
    members = _record_bytes("fr", 2, gzipped=True)
    whole = b"".join(members)
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole[: len(whole) - 40])
    items = _read(path)
    assert len(_records(items)) == 1
    assert [d[0] for d in _damaged(items)] == ["truncated"]


def test_plain_warc_resyncs_on_next_record_line(tmp_path: Path):
    pages = sample_pages(["de"], per_lang=2)
    parts = _record_bytes("de", 2, gzipped=False)
    path = tmp_path / "plain.warc"
    bad = b"WARC/1.0\r\nWARC-Type: resp\x00nse\r\ngarbage\r\n\r\n"
    path.write_bytes(parts[0] + bad + parts[1])
    items = _read(path)
    assert [r.url for r in _records(items)] == [p.url for p in pages]
    assert _damaged(items) == [("bad_warc_header", len(parts[0]), len(bad))]


def test_lying_content_length_is_bad_length(tmp_path: Path):
    parts = _record_bytes("pl", 3, gzipped=False)
    at = parts[1].index(b"Content-Length: ", parts[1].index(b"WARC-Type: response"))
    middle = parts[1][:at] + b"Content-Length: 1" + parts[1][at + 16 :]  # the response's: x10
    path = tmp_path / "lie.warc"
    path.write_bytes(parts[0] + middle + parts[2])
    items = _read(path)
    assert len(_records(items)) == 2
    assert [d[0] for d in _damaged(items)] == ["bad_length"]


def test_flipped_body_byte_in_plain_record_is_bad_digest(tmp_path: Path):
    parts = _record_bytes("it", 2, gzipped=False)
    body = bytearray(parts[0])
    body[-100] ^= 0x20  # inside the response's HTML
    path = tmp_path / "digest.warc"
    path.write_bytes(bytes(body) + parts[1])
    items = _read(path)
    assert [d[0] for d in _damaged(items)] == ["bad_digest"]
    assert len(_records(items)) == 1


def test_garbage_between_records_and_mixed_gzip_and_plain(tmp_path: Path):
    plain = _record_bytes("sl", 2, gzipped=False)
    members = _record_bytes("sl", 2, gzipped=True)
    junk = b"\x00junk that is no record\n" * 3
    path = tmp_path / "mixed.warc.gz"
    path.write_bytes(members[0] + plain[1] + junk + members[1] + plain[0])
    items = _read(path)
    assert len(_records(items)) == 4
    assert _damaged(items) == [("garbage", len(members[0]) + len(plain[1]), len(junk))]


def test_a_file_that_is_not_warc_is_one_garbage_span(tmp_path: Path):
    path = tmp_path / "notes.warc"
    path.write_text("these are not the records you are looking for\n" * 10)
    items = _read(path)
    assert _damaged(items) == [("garbage", 0, path.stat().st_size)]


def test_whole_file_gzip_with_several_records_reads(tmp_path: Path):
    plain = b"".join(_record_bytes("cs", 3, gzipped=False))
    path = tmp_path / "one-member.warc.gz"
    path.write_bytes(gzip.compress(plain))
    items = _read(path)
    assert len(_records(items)) == 3 and not _damaged(items)


def test_payload_over_the_cap_is_measured_not_kept(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    records = _records(_read(path, limit=500))
    assert all(r.payload is None and r.payload_size > 500 for r in records)


def test_an_input_that_cannot_be_opened_raises(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        list(iter_records(str(tmp_path / "missing.warc.gz"), LIMIT))
