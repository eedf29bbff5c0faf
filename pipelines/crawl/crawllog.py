"""Reading a crawl's log: what extract must exclude, and the figures for run.json.

A page whose reservation shows only in its response (TDM header or meta, noai) is fetched
and stored, because the crawler cannot know before fetching; its log row says `reserved`.
Extract reads the log next to the WARC files it is given (a `leam crawl` run directory:
crawl/warc/*.warc.gz beside crawl/log/*.parquet) and sends those records to the ledger.
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath

import fsspec
import pyarrow.parquet as pq

from leam.corpus.rundir import CRAWL_DIR, CRAWL_LOG_DIR

RESERVED = "reserved"


def log_folder_for(warc_path: str) -> str:
    """crawl/log of the crawl that wrote this WARC file (it may not exist)."""
    parent = PurePosixPath(warc_path.rstrip("/")).parent
    return str(parent.parent / CRAWL_LOG_DIR)


def _reserved_in(log_folder: str) -> dict[tuple[str, int], str]:
    fs, root = fsspec.core.url_to_fs(log_folder)
    if not fs.isdir(root):
        return {}
    parts = tuple(sorted((p, fs.info(p).get("size")) for p in fs.glob(f"{root}/*.parquet")))
    return _read_reserved(log_folder, parts)


@functools.lru_cache(maxsize=16)
def _read_reserved(log_folder: str, parts: tuple) -> dict[tuple[str, int], str]:
    """Cached per worker process, keyed by the log's files and sizes (a resumed crawl
    rewrites the log, and then it is read again)."""
    fs, _ = fsspec.core.url_to_fs(log_folder)
    reserved: dict[tuple[str, int], str] = {}
    for path, _size in parts:
        with fs.open(path, "rb") as f:
            table = pq.read_table(
                f,
                columns=["decision", "signal", "warc_file", "warc_offset"],
                filters=[("decision", "=", RESERVED)],
            )
        for row in table.to_pylist():
            if row["warc_file"] is not None:
                reserved[(row["warc_file"], row["warc_offset"])] = row["signal"]
    return reserved


def reserved_records(warc_path: str) -> dict[int, str]:
    """Offsets of the records of this WARC file that the crawl log marks reserved, each
    with the signal that reserved it; empty when the file did not come from `leam crawl`."""
    name = PurePosixPath(warc_path).name
    folder = log_folder_for(warc_path)
    if PurePosixPath(folder).parent.name != CRAWL_DIR:
        return {}
    return {off: sig for (f, off), sig in _reserved_in(folder).items() if f == name}
