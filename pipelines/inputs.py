"""A run's input files from what a user names: paths, folders, globs, fsspec URLs."""

from __future__ import annotations

import zlib
from pathlib import Path

import fsspec

from leam.pipelines.extract.warc import WARC_SUFFIXES
from leam.pipelines.extract.warcframe import GZIP_MAGIC, WARC_MAGIC

INPUT_PATTERNS = tuple(f"*{suffix}" for suffix in (*WARC_SUFFIXES, ".parquet"))
# How far into a file (decompressed) the first WARC record must start: a file that holds
# none there is some other file given by mistake, not a WARC with a broken first record.
SNIFF_BYTES = 1 << 16
PARQUET_MAGIC = b"PAR1"


class InputError(ValueError):
    """An input file the run's first stage cannot read; raised before anything starts."""


def expand_inputs(specs: list[str]) -> list[str]:
    """Files from paths, directories (their WARC/WET/Parquet files) and globs, in order.
    Local files are named by their absolute path, so that a run resumed from another folder,
    or given the folder instead of a glob, knows its inputs."""
    found: list[str] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = sorted({str(p.resolve()) for pat in INPUT_PATTERNS for p in path.glob(pat)})
        elif any(ch in spec for ch in "*?["):
            fs, _, paths = fsspec.get_fs_token_paths(spec)
            matches = [
                fs.unstrip_protocol(p) if "://" in spec else str(Path(p).resolve())
                for p in sorted(paths)
            ]
        else:
            matches = [str(path.resolve()) if "://" not in spec else spec]
            if "://" not in spec and not path.is_file():
                raise FileNotFoundError(f"input not found: {spec}")
        if not matches:
            raise FileNotFoundError(f"no input files match {spec}")
        found.extend(m for m in matches if m not in found)
    return found


def check_warc_inputs(paths: list[str]) -> None:
    """Refuses, before a run starts, inputs that hold no WARC record: a text file, a gzipped
    text file or a Parquet file given to a pipeline that starts with extract would otherwise
    end as one `garbage` span of damaged input. Names every such file. A WARC file whose
    first record is damaged is not refused (the reader resynchronises and accounts for the
    damage), nor is one that cannot be opened: its task fails and names it."""
    problems = [f"{path}: {why}" for path in paths if (why := _not_warc(path))]
    if problems:
        raise InputError(f"{len(problems)} input(s) are not WARC/WET files: " + "; ".join(problems))


def _not_warc(path: str) -> str | None:
    """Why the file is not a WARC/WET file, or None when its start looks like one."""
    try:
        with fsspec.open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return None  # the task that reads it fails, naming the file and the cause
    if not head:
        return "empty file"
    if head.startswith(PARQUET_MAGIC):
        return (
            "a Parquet file (give Parquet parts to a pipeline that starts after extract, "
            "e.g. `leam langid`)"
        )
    if head.startswith(GZIP_MAGIC):
        return _not_warc_gzip(head)
    elif WARC_MAGIC not in head:
        return "no WARC record (no `WARC/1.` header at its start)"
    return None


def _not_warc_gzip(head: bytes) -> str | None:
    """The first gzip member that decompresses within the sniffed bytes must hold a WARC
    header; members before it may be damaged (the reader skips them as `bad_gzip`)."""
    error = None
    start = 0
    while start != -1:
        try:  # a gzip member (a WARC record) or the first 64 KiB of one stream
            data = zlib.decompressobj(wbits=31).decompress(head[start:], SNIFF_BYTES)
        except zlib.error as err:
            error = error or err
            start = head.find(GZIP_MAGIC, start + 1)
            continue
        if WARC_MAGIC in data:
            return None
        return "gzip, but not of WARC records (no `WARC/1.` header at its start)"
    return f"gzip that cannot be decompressed ({error})"
