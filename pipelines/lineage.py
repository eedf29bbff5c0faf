"""Where a document went: `leam lineage URL|DOC_ID` over run directories and export folders.

A takedown request names a URL (or we know a document id); the answer must name every file
that holds the text. Three kinds of files are searched, wherever they lie under the roots:

    tokens     <lang>_text_document.lineage.parquet of a Megatron export: the token file,
               the document index in it, its tokens and byte offset in the .bin
    shard      shards/<lang>/part-NNNNN.parquet: the published shard and row
    rejected   rejected/<stage>/part-NNNNN.parquet: the stage and reason that removed it

Matching is exact on `url` (a query with "://") or on `id`; only that column is read until
a row matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.pipelines.megatron.parts import LINEAGE_SUFFIX
from leam.trainer.indexed import IndexReader, idx_path

WORK = "_work"  # scratch folders hold partial copies: never an answer


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.parquet")):
        if WORK in path.parts:
            continue
        if path.name.endswith(LINEAGE_SUFFIX):
            yield "tokens", path
        elif path.parent.parent.name == "shards" and path.name.startswith("part-"):
            yield "shard", path
        elif path.parent.parent.name == "rejected":
            yield "rejected", path


COLUMNS = {
    "tokens": ["index", "id", "url", "shard", "row", "tokens", "source"],
    "shard": ["id", "url", "lang", "source"],
    "rejected": ["id", "url", "stage", "reason", "detail", "filter_id"],
}


def find(query: str, roots: list[Path]) -> list[dict[str, Any]]:
    """Every place under the roots that holds the document, as flat dicts with `kind`."""
    key = "url" if "://" in query else "id"
    hits: list[dict[str, Any]] = []
    for root in roots:
        for kind, path in _files(root):
            for row, values in _matches(path, key, query, COLUMNS[kind]):
                hits.append(_describe(kind, path, row, values))
    return hits


def _matches(
    path: Path, key: str, query: str, columns: list[str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row in the file, values) of the rows whose `key` equals the query; only the key
    column is read, a row group at a time, unless a row matches."""
    parquet = pq.ParquetFile(path)
    first = 0
    for group in range(parquet.num_row_groups):
        keys = parquet.read_row_group(group, columns=[key]).column(0)
        found = pc.indices_nonzero(pc.fill_null(pc.equal(keys, query), False)).to_pylist()
        if found:
            rows = parquet.read_row_group(group, columns=columns).take(found).to_pylist()
            for at, values in zip(found, rows, strict=True):
                yield first + at, values
        first += len(keys)


def _describe(kind: str, path: Path, row: int, values: dict[str, Any]) -> dict[str, Any]:
    hit = {"kind": kind, "file": str(path), **values}
    if kind == "tokens":
        prefix = Path(str(path).removesuffix(LINEAGE_SUFFIX))
        hit["file"] = str(prefix)
        if idx_path(prefix).is_file():
            index = IndexReader(idx_path(prefix))
            hit["byte_offset"] = int(index.sequence_pointers[values["index"]])
            hit["tokens_in_file"] = int(index.sequence_lengths[values["index"]])
    elif kind == "shard":
        hit["row"] = row
    return hit
