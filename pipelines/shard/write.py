"""The shard stage's shuffle: seeded keys, the scatter of each part, the gather of each shard.

Every document gets a key, xxh3-64 of its id seeded with the stage's seed. A language with
n shards gives shard s the keys in [s, s + 1) · 2^64 / n, and a shard is sorted by key, so
the shards of a language, read in order, are one uniform random permutation of it. The key
depends on nothing but the id and the seed: the same documents give the same shards, byte
for byte, whatever the number of workers and however the documents were split into parts.

No process holds more than one part or one shard:

    scatter (a task per part)   _work/scatter/<task>.parquet   the part's documents with their
                                                               key, one row group per
                                                               (language, shard)
                                _work/scatter/<task>.json      which row group is which
    gather (a task per shard)   shards/<lang>/part-NNNNN.parquet  its row groups from every
                                                               part, sorted by key
                                _work/gathered/<lang>-NNNNN.json  its manifest entry

The scatter files are the only second copy of the corpus, and the stage removes them once
every shard is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from leam.corpus.rundir import (
    file_sha256,
    read_json,
    task_name,
    write_json_atomic,
    write_row_groups_atomic,
)
from leam.corpus.schema import SHARD_SCHEMA, to_shard_table
from leam.corpus.stage import NO_LANG
from leam.pipelines.shard.profile import text_bytes

KEY = "_key"
SCATTER_SCHEMA = SHARD_SCHEMA.append(pa.field(KEY, pa.uint64()))
KEY_SPACE = 1 << 64


def shuffle_keys(ids: list[str | None], texts: pa.ChunkedArray, seed: int) -> np.ndarray:
    """A document's place in the shuffle: xxh3-64 of its id (of its text if it has none)."""
    keys = np.empty(len(ids), dtype=np.uint64)
    for i, doc_id in enumerate(ids):
        basis = doc_id if doc_id is not None else texts[i].as_py() or ""
        keys[i] = xxhash.xxh3_64_intdigest(basis.encode(), seed)
    return keys


def shard_of(keys: np.ndarray, shards: int) -> np.ndarray:
    """Shard of each key: equal slices of the key space, so shards are equal in expectation."""
    if shards == 1:
        return np.zeros(len(keys), dtype=np.int64)
    width = np.uint64(-(-KEY_SPACE // shards))  # ceil(2^64 / shards) < 2^64 for shards > 1
    return (keys // width).astype(np.int64)


def shard_count(rows: int, nbytes: int, target_rows: int | None, target_bytes: int | None) -> int:
    """Shards for a language: enough that neither target is exceeded on average."""
    n = 1
    if target_bytes:
        n = max(n, -(-nbytes // target_bytes))
    if target_rows:
        n = max(n, -(-rows // target_rows))
    return n


def shard_path(lang: str, shard: int) -> str:
    """Where a shard lives, relative to the shards folder (MANIFEST.json uses this form)."""
    return f"{lang}/{task_name(shard)}.parquet"


def scatter_part(task: str, path: str, workdir: Path, plan: dict[str, int], seed: int) -> int:
    """Splits one part into its (language, shard) buckets; returns the part's rows."""
    index_path = workdir / "scatter" / f"{task}.json"
    if index_path.exists():
        return read_json(index_path)["rows"]
    table = to_shard_table(pq.read_table(path))
    groups, index = _buckets(table, plan, seed)
    scatter = workdir / "scatter" / f"{task}.parquet"
    # Scratch, read once: the fastest zstd level.
    write_row_groups_atomic(
        groups, SCATTER_SCHEMA, scatter, compression="zstd", compression_level=1
    )
    write_json_atomic({"rows": table.num_rows, "groups": index}, index_path)
    return table.num_rows


def _buckets(
    table: pa.Table, plan: dict[str, int], seed: int
) -> tuple[list[pa.Table], list[dict[str, Any]]]:
    """The part's documents with their keys, cut into (language, shard) buckets."""
    if table.num_rows == 0:
        return [], []
    keys = shuffle_keys(table.column("id").to_pylist(), table.column("text"), seed)
    langs = np.array(pc.fill_null(table.column("lang"), NO_LANG).to_pylist(), dtype=object)
    names, codes = np.unique(langs, return_inverse=True)
    shards = np.zeros(len(keys), dtype=np.int64)
    for code, lang in enumerate(names):
        mine = codes == code
        shards[mine] = shard_of(keys[mine], plan[lang])
    order = np.lexsort((shards, codes))
    table = table.append_column(KEY, pa.array(keys, pa.uint64())).take(pa.array(order))
    codes, shards = codes[order], shards[order]
    groups, index = [], []
    for i, (start, length) in enumerate(
        _runs((codes[1:] != codes[:-1]) | (shards[1:] != shards[:-1]))
    ):
        groups.append(table.slice(start, length))
        lang, shard = str(names[codes[start]]), int(shards[start])
        index.append({"lang": lang, "shard": shard, "row_group": i, "rows": length})
    return groups, index


@dataclass(frozen=True)
class ShardJob:
    """One shard to write, and the scatter row groups that hold its documents."""

    lang: str
    shard: int
    pieces: tuple[tuple[str, int], ...]  # (task, row group), in task order


def shard_jobs(workdir: Path, tasks: list[str], plan: dict[str, int]) -> list[ShardJob]:
    """Every planned shard (an empty one too, so that numbering has no gaps)."""
    pieces: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for task in tasks:
        for g in read_json(workdir / "scatter" / f"{task}.json")["groups"]:
            pieces.setdefault((g["lang"], g["shard"]), []).append((task, g["row_group"]))
    return [
        ShardJob(lang, s, tuple(pieces.get((lang, s), [])))
        for lang, n in sorted(plan.items())
        for s in range(n)
    ]


def _row_groups(table: pa.Table, row_group_bytes: int) -> list[pa.Table]:
    """Consecutive slices of about row_group_bytes of text each."""
    if table.num_rows == 0:
        return []
    sizes = text_bytes(table).to_numpy()
    group = (np.cumsum(sizes) - sizes) // row_group_bytes  # by where each document starts
    return [table.slice(start, n) for start, n in _runs(group[1:] != group[:-1])]


def _runs(changes: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of rows, given where row i + 1 differs from row i."""
    starts = np.flatnonzero(np.r_[True, changes])
    ends = np.r_[starts[1:], len(changes) + 1]
    return [(int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def gather_shard(
    job: ShardJob, workdir: Path, shards_dir: Path, row_group_bytes: int, level: int
) -> dict[str, Any]:
    """Writes one shard; returns its manifest entry (read back if an earlier try wrote it)."""
    entry_path = workdir / "gathered" / f"{job.lang}-{job.shard:05d}.json"
    if entry_path.exists():
        return read_json(entry_path)
    tables = [
        pq.ParquetFile(workdir / "scatter" / f"{task}.parquet").read_row_group(group)
        for task, group in job.pieces
    ]
    table = pa.concat_tables(tables) if tables else SCATTER_SCHEMA.empty_table()
    table = table.take(pc.sort_indices(table, [(KEY, "ascending"), ("id", "ascending")]))
    table = table.drop_columns([KEY])
    relative = shard_path(job.lang, job.shard)
    path = shards_dir / relative
    groups = write_row_groups_atomic(
        _row_groups(table, row_group_bytes),
        SHARD_SCHEMA,
        path,
        compression="zstd",
        compression_level=level,
    )
    entry = {
        "path": relative,
        "language": job.lang,
        "rows": table.num_rows,
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
        "text_bytes": int(pc.sum(text_bytes(table)).as_py() or 0),
        "row_groups": groups,
    }
    write_json_atomic(entry, entry_path)
    return entry
