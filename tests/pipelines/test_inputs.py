"""Input files: expanded to absolute paths; files with no WARC record refused by name
before a run starts, WARC files (gzipped, plain, with broken records later) accepted."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from leam.pipelines.inputs import InputError, check_warc_inputs, expand_inputs
from tests.warcs import build_broken_warc, build_pages_warc, build_wet


def test_warc_files_pass_and_others_are_named(tmp_path: Path, monkeypatch):
    build_pages_warc(tmp_path / "a.warc.gz")
    build_broken_warc(tmp_path / "b.warc.gz")
    build_wet(tmp_path / "c.warc.wet.gz")
    plain = gzip.decompress((tmp_path / "a.warc.gz").read_bytes())
    (tmp_path / "d.warc").write_bytes(plain)
    monkeypatch.chdir(tmp_path)
    good = expand_inputs(["."])
    assert all(Path(p).is_absolute() for p in good) and len(good) == 4
    check_warc_inputs(good)

    (tmp_path / "e.warc").write_bytes(b"")
    (tmp_path / "f.warc.gz").write_bytes(gzip.compress(b"<html>not a warc</html>"))
    (tmp_path / "g.warc.gz").write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(InputError) as err:
        check_warc_inputs(expand_inputs(["."]))
    message = str(err.value)
    assert message.startswith("3 input(s) are not WARC/WET files: ")
    assert "e.warc: empty file" in message and "f.warc.gz: gzip, but not of WARC" in message
    assert "g.warc.gz: gzip that cannot be decompressed" in message


def test_a_warc_whose_first_record_is_damaged_is_left_to_the_reader(tmp_path: Path):
    """The reader recovers the records after a damaged gzip member and accounts for its bytes:
    refusing the file before the run would lose them all."""
    path = tmp_path / "a.warc.gz"
    build_pages_warc(path)
    data = bytearray(path.read_bytes())
    data[12] ^= 0xFF  # inside the first member's deflate data
    path.write_bytes(bytes(data))
    check_warc_inputs([str(path)])
    check_warc_inputs([str(tmp_path / "missing.warc.gz")])  # its task fails, naming it
