"""Paths inside a run directory, and atomic writes into it.

    runs/<run-id>/
      run.json                   the run record (corpus.runrecord)
      <stage>/part-NNNNN.parquet stage outputs
      <stage>/_DONE.part-NNNNN   completion marker; holds the task's counters as JSON
      <stage>/_work/             scratch of a global stage (e.g. dedup's signatures)
      rejected/<stage>/part-NNNNN.parquet   the rejected ledger
      shards/<lang>/part-NNNNN.parquet      the published shards (+ MANIFEST.json, README.md)
      reports/                   what the run publishes for reviewers (AI Act summary...)
      reports/domains.parquet    content size per domain and language of the shards

Every file is written under a temporary name and renamed into place, so that a killed run
leaves either a whole file or none; a marker is written last, so a part without a marker
is redone on resume.

A run directory may also be an fsspec URL (s3://bucket/runs/<run-id>): `root` is then a
local mirror of it and `store` says where the files go (corpus.storage); the methods below
that move files (upload, fetch, pull, remove, done_tasks) do nothing more for a local run.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leam.corpus.storage import Store, is_remote

TMP_PREFIX = ".tmp-"
# The crawl's folder in a run and its sub-folders (pipelines/crawl owns what goes in them).
CRAWL_DIR, CRAWL_LOG_DIR, CRAWL_WARC_DIR = "crawl", "log", "warc"


def task_name(index: int) -> str:
    """Task names follow input order, so parts line up across stages: part-00003 → part-00003."""
    return f"part-{index:05d}"


@dataclass(frozen=True)
class RunDir:
    root: Path
    store: Store | None = None  # where the files live, for a run dir on object storage

    def __post_init__(self) -> None:
        # Absolute, because tasks get paths from it: a Ray worker's working directory need
        # not be the driver's (a shared runtime, a cluster node).
        object.__setattr__(self, "root", Path(self.root).absolute())

    @classmethod
    def at(cls, location: str | Path) -> RunDir:
        """The run directory at a folder or an fsspec URL."""
        if is_remote(location):
            store = Store.open(str(location))
            return cls(store.mirror, store)
        return cls(Path(location))

    @property
    def remote(self) -> bool:
        return self.store is not None

    @property
    def location(self) -> str:
        """Where the run is, as a user names it: its URL, or its folder."""
        return self.store.url if self.store else str(self.root)

    def locate(self, path: Path) -> str:
        """A path of the run as readers elsewhere reach it: its URL, or the path itself."""
        return self.store.url_of(path) if self.store else str(path)

    def local_input(self, location: str) -> str:
        """A file named by `locate` (an earlier stage's part), as a local file to read:
        fetched whole from a store, so that Parquet readers need no remote filesystem."""
        if self.store is None:
            return location
        return str(self.store.fetch(self.store.path_of(location), refresh=True))

    def upload(self, *paths: Path) -> None:
        """Files (or folders) the run just wrote, sent whole to the store."""
        if self.store:
            for path in paths:
                self.store.push(path)

    def fetch(self, path: Path, missing_ok: bool = False) -> Path:
        """A file of the run, brought into the mirror if it is not there yet."""
        if self.store and not path.exists():
            try:
                self.store.fetch(path)
            except FileNotFoundError:
                if not missing_ok:
                    raise
        return path

    def pull(self, folder: Path | None = None, everything: bool = False) -> None:
        """A folder of the run (default: all of it) into the mirror. The whole run comes
        without the scratch folders, and without the stages' document parts and the shard
        files unless `everything`: only tasks, trainers and the audit's samples read them."""
        if self.store:
            if folder is not None:
                self.store.pull(folder)
            else:
                self.store.pull(self.root, lambda p: self._bulky(p, everything))

    def snapshot(self) -> dict[Path, int]:
        """The mirror's files and their modification times (see `upload_changed`)."""
        if self.store is None:
            return {}
        return {p: p.stat().st_mtime_ns for p in self.root.rglob("*") if p.is_file()}

    def upload_changed(self, before: dict[Path, int], last: Path | None = None) -> list[Path]:
        """Bring the store in line with the mirror's changes since `before` (a snapshot):
        files written since are uploaded, files of the snapshot removed since are removed.
        For code that writes where it likes in the run (the tokenizer, the Megatron export,
        a takedown, the crawl). Files under `last` go after the others (what says the
        others are whole)."""
        if self.store is None:
            return []
        now = self.snapshot()
        changed = [
            p for p, mtime in sorted(now.items())
            if before.get(p) != mtime and not p.name.startswith(TMP_PREFIX)
        ]  # fmt: skip
        if last is not None:
            changed.sort(key=lambda p: p.is_relative_to(last))
        for path in changed:
            self.store.put(path)
        for path in sorted(set(before) - set(now)):
            self.store.remove(path)
        return changed

    def _bulky(self, path: Path, everything: bool) -> bool:
        rel = path.relative_to(self.root).parts
        if "_work" in rel:
            return True
        if everything:
            return False
        if rel[0] == "shards":
            return rel[-1].endswith(".parquet")
        return len(rel) == 2 and rel[0] not in ("rejected", "reports", CRAWL_DIR) and (
            rel[1].startswith("part-")
        )

    def exists(self, path: Path) -> bool:
        """Whether the run holds the file (asking the store for a remote run)."""
        return self.store.exists(path) if self.store else path.exists()

    def remove(self, path: Path) -> None:
        """Remove a file or folder of the run (from the store too); missing is fine."""
        if self.store:
            self.store.remove(path)
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def done_tasks(self, stage: str) -> list[str]:
        """Tasks of a stage with a completion marker, sorted: one listing of the stage's
        folder on a store (its parts without a marker are ignored)."""
        if self.store:
            names = self.store.listing(self.stage_dir(stage))
        else:
            names = {p.name: 0 for p in self.stage_dir(stage).glob("_DONE.*")}
        return sorted(n.removeprefix("_DONE.") for n in names if n.startswith("_DONE."))

    @property
    def record(self) -> Path:
        return self.root / "run.json"

    def stage_dir(self, stage: str) -> Path:
        return self.root / stage

    def part(self, stage: str, task: str) -> Path:
        return self.stage_dir(stage) / f"{task}.parquet"

    def marker(self, stage: str, task: str) -> Path:
        return self.stage_dir(stage) / f"_DONE.{task}"

    def workdir(self, stage: str) -> Path:
        """Scratch folder of a global stage (signatures, buckets, decisions)."""
        return self.stage_dir(stage) / "_work"

    def ledger(self, stage: str, task: str) -> Path:
        return self.root / "rejected" / stage / f"{task}.parquet"

    @property
    def shards(self) -> Path:
        """The published corpus: one folder of shards per language, manifest, datasheet."""
        return self.root / "shards"

    @property
    def stats(self) -> Path:
        """The corpus figures per language and stage (corpus/publish/stats.py)."""
        return self.shards / "stats.json"

    @property
    def crawl_log(self) -> Path:
        """The crawl log (Parquet, CRAWL_LOG_SCHEMA) of a run that crawled."""
        return self.root / CRAWL_DIR / CRAWL_LOG_DIR

    @property
    def crawl_warc(self) -> Path:
        """The gzipped WARC files of a run that crawled: the input of its pipeline."""
        return self.root / CRAWL_DIR / CRAWL_WARC_DIR

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def domains(self) -> Path:
        """Content size per domain and language of the shards (the reports rank domains)."""
        return self.reports / "domains.parquet"

    def parts(self, stage: str) -> list[Path]:
        return sorted(self.stage_dir(stage).glob("part-*.parquet"))

    def ledgers(self, stage: str | None = None) -> list[Path]:
        base = self.root / "rejected"
        return sorted(base.glob(f"{stage or '*'}/part-*.parquet"))

    def clean_tmp(self) -> int:
        """Remove temporary files left by a killed run; returns how many."""
        stale = list(self.root.rglob(f"{TMP_PREFIX}*")) if self.root.exists() else []
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


def _tmp_path(path: Path) -> Path:
    return path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")


class DiskFullError(OSError):
    """No space left while writing into the run directory: nothing partial was committed."""


def _disk_full(err: OSError, path: Path) -> OSError:
    """ENOSPC (and EDQUOT) as an error that says what to do; other errors as they are."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(
            err.errno, f"no space left on the device writing {path}; nothing partial was kept: "
            "free some space and run the same command again"
        )  # fmt: skip
    return err


class AtomicParquetWriter:
    """Zstd Parquet written in batches (bounded memory) under a temporary name, renamed into
    place by `commit`. A file with no rows is still a valid, empty Parquet file, so that the
    next stage sees the part.
    """

    def __init__(self, path: Path, schema: pa.Schema, batch_rows: int = 1000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.schema, self.batch_rows = path, schema, batch_rows
        self._tmp = _tmp_path(path)
        self._pending: list[dict[str, Any]] = []
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._guarded(lambda: setattr(self, "_writer", self._open()))

    def _open(self) -> pq.ParquetWriter:
        return pq.ParquetWriter(self._tmp, self.schema, compression="zstd")

    def write(self, row: dict[str, Any]) -> None:
        self._pending.append(row)
        if len(self._pending) >= self.batch_rows:
            self._guarded(self._flush)

    def _flush(self) -> None:
        if self._pending and self._writer is not None:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema))
            self.rows += len(self._pending)
            self._pending = []

    def commit(self) -> int:
        def finish() -> None:
            self._flush()
            if self._writer is not None:
                self._writer.close()
            os.replace(self._tmp, self.path)

        self._guarded(finish)
        return self.rows

    def abort(self) -> None:
        """Drop what was written: a failed task leaves no temporary file behind."""
        try:
            if self._writer is not None:
                self._writer.close()
        except OSError:
            pass  # the device may still be full: the file goes anyway
        self._writer = None
        self._tmp.unlink(missing_ok=True)

    def _guarded(self, step) -> None:
        """Runs a write step; on an I/O error the temporary file is removed (a full disk
        is named as such), so that no partial part is ever committed."""
        try:
            step()
        except OSError as err:
            self.abort()
            raise _disk_full(err, self.path) from err


def write_parquet_atomic(rows: Iterable[dict[str, Any]], schema: pa.Schema, path: Path) -> int:
    writer = AtomicParquetWriter(path, schema)
    for row in rows:
        writer.write(row)
    return writer.commit()


def write_row_groups_atomic(
    groups: Iterable[pa.Table], schema: pa.Schema, path: Path, **options: Any
) -> int:
    """Parquet whose row groups are exactly the given tables (empty ones skipped), so that a
    reader can fetch one of them alone; options go to pyarrow's ParquetWriter. Returns the
    number of row groups."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path)
    written = 0
    with pq.ParquetWriter(tmp, schema, **options) as writer:
        for table in groups:
            if table.num_rows:
                writer.write_table(table, row_group_size=table.num_rows)
                written += 1
    os.replace(tmp, path)
    return written


def write_text_atomic(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _disk_full(err, path) from err


def write_json_atomic(data: Any, path: Path) -> None:
    write_text_atomic(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def file_sha256(path: Path) -> str:
    """A file's sha256, as `sha256sum` prints it (shards, token files, tokenizer files)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
