import io
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from leam.pipelines.extract.warc import BrokenRecord, Record, iter_records
from tests.sample_warc import render_html, sample_pages, write_response
from tests.warcs import build_broken_warc, build_pages_warc

LIMIT = 5_000_000


def test_offsets_point_at_their_records(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    records = [r for r in iter_records(str(path), LIMIT) if isinstance(r, Record)]
    assert len(records) > 10
    with path.open("rb") as f:
        for rec in records:
            f.seek(rec.offset)
            first = next(iter(ArchiveIterator(f)))
            assert first.rec_headers.get_header("WARC-Record-ID") == rec.record_id


def test_truncated_gzip_member_is_reported_and_later_records_survive(tmp_path: Path):
    path = tmp_path / "broken.warc.gz"
    build_broken_warc(path)
    records = list(iter_records(str(path), LIMIT))
    broken = [r for r in records if isinstance(r, BrokenRecord)]
    assert len(broken) == 1
    assert "ArchiveLoadFailed" in broken[0].error
    last = [r for r in records if isinstance(r, Record)][-1]
    assert last.offset > broken[0].offset  # the page after the break was read
    assert b"</html>" in last.payload


def test_plain_warc_resyncs_on_next_record_line(tmp_path: Path):
    pages = sample_pages(["de"], per_lang=2)
    parts = []
    for page in pages:
        buf = io.BytesIO()
        write_response(
            WARCWriter(buf, gzip=False), page.url, render_html(page).encode(), "text/html"
        )
        parts.append(buf.getvalue())
    path = tmp_path / "plain.warc"
    path.write_bytes(parts[0] + b"WARC/1.0\r\nWARC-Type: resp\x00nse\r\ngarbage\r\n\r\n" + parts[1])
    records = list(iter_records(str(path), LIMIT))
    urls = [r.url for r in records if isinstance(r, Record)]
    assert urls == [p.url for p in pages]
    assert sum(isinstance(r, BrokenRecord) for r in records) == 1


def test_a_file_that_is_not_warc_is_one_broken_record(tmp_path: Path):
    path = tmp_path / "notes.warc"
    path.write_text("these are not the records you are looking for\n" * 10)
    records = list(iter_records(str(path), LIMIT))
    assert len(records) == 1 and isinstance(records[0], BrokenRecord)
    assert records[0].offset == 0


def test_payload_over_the_cap_is_measured_not_kept(tmp_path: Path):
    path = tmp_path / "pages.warc.gz"
    build_pages_warc(path)
    records = [r for r in iter_records(str(path), 500) if isinstance(r, Record)]
    assert all(r.payload is None and r.payload_size > 500 for r in records)
