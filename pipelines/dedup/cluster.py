"""Clusters from the dedup index's edges, and which document each cluster keeps.

The rule, deterministic and independent of worker count: a document from a previous run's
index wins (it is already in the corpus), then the longest text, then the earliest crawl
date, then the smallest id. Only documents that have an edge are loaded, so memory grows
with the duplicates, not with the corpus: the figures report it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from leam.corpus.rundir import write_json_atomic, write_parquet_atomic
from leam.pipelines.dedup.components import components
from leam.pipelines.dedup.index import EXACT, KIND_NAMES, NEAR, URL, PartRef

DECISION_SCHEMA = pa.schema(
    [
        ("row", pa.int32()),
        ("cluster", pa.int64()),
        ("size", pa.int32()),
        ("keep", pa.bool_()),
        ("kept_id", pa.string()),
        ("kind", pa.string()),  # how a removed document matches the kept one: url|exact|near
    ]
)


def cluster_id(doc_id: str) -> int:
    """Named after the kept document, so the same cluster keeps its id across runs."""
    return xxhash.xxh3_64_intdigest(doc_id.encode()) >> 1


def _load_edges(workdir: Path, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = [], []
    for bucket in range(buckets):
        data = np.load(workdir / "edges" / f"b-{bucket:04d}.npz")
        a.append(data["a"])
        b.append(data["b"])
    return np.concatenate(a), np.concatenate(b)


def _meta(parts: list[PartRef], nodes: np.ndarray) -> dict[str, np.ndarray]:
    """id, text_len, warc_date, url_key, text_key of the given global nodes (sorted)."""
    columns: dict[str, list] = {
        k: [] for k in ("id", "text_len", "warc_date", "url_key", "text_key")
    }
    for part in parts:
        lo = np.searchsorted(nodes, part.offset)
        hi = np.searchsorted(nodes, part.offset + part.rows)
        if lo == hi:
            continue
        rows = nodes[lo:hi] - part.offset
        table = pq.read_table(part.folder / "meta.parquet").take(pa.array(rows))
        for k in columns:
            columns[k].extend(table[k].to_pylist())
    return {
        k: np.array([x or "" for x in v] if k in ("id", "warc_date") else v)
        for k, v in columns.items()
    }


def cluster(
    workdir: Path, current: dict[str, PartRef], previous: list[PartRef], buckets: int
) -> dict[str, Any]:
    """Phase 3: components, kept documents, and a decisions file per current part."""
    a, b = _load_edges(workdir, buckets)
    nodes = np.unique(np.concatenate([a, b]))  # only documents with a duplicate
    local_a, local_b = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    labels = components(len(nodes), local_a, local_b)
    meta = _meta([*previous, *current.values()], nodes)
    first_current = min((p.offset for p in current.values()), default=0)
    is_previous = nodes < first_current
    # Best first: previous, longest, earliest, smallest id; the first of each label wins.
    order = np.lexsort((meta["id"], meta["warc_date"], -meta["text_len"], ~is_previous))
    sorted_labels = labels[order]
    uniq, first = np.unique(sorted_labels, return_index=True)
    winner_of = dict(zip(uniq.tolist(), order[first].tolist(), strict=True))
    sizes = np.bincount(labels)
    figures = {
        "documents": int(sum(p.rows for p in current.values())),
        "previous_documents": int(sum(p.rows for p in previous)),
        "edges": len(a),
        "documents_with_duplicates": len(nodes),
        "clusters": len(uniq),
        "removed": 0,
        "removed_by_kind": {name: 0 for name in KIND_NAMES.values()},
        "clustering_memory_bytes": int(a.nbytes + b.nbytes + labels.nbytes + len(nodes) * 64),
    }
    for task, part in current.items():
        lo = np.searchsorted(nodes, part.offset)
        hi = np.searchsorted(nodes, part.offset + part.rows)
        rows = []
        for i in range(lo, hi):
            label = int(labels[i])
            winner = winner_of[label]
            keep = winner == i
            kind = "" if keep else _kind(meta, winner, i)
            if not keep:
                figures["removed"] += 1
                figures["removed_by_kind"][kind] += 1
            rows.append({
                "row": int(nodes[i] - part.offset), "cluster": cluster_id(str(meta["id"][winner])),
                "size": int(sizes[label]), "keep": bool(keep), "kept_id": str(meta["id"][winner]),
                "kind": kind,
            })  # fmt: skip
        write_parquet_atomic(rows, DECISION_SCHEMA, workdir / "decisions" / f"{task}.parquet")
    write_json_atomic(figures, workdir / "clusters.json")
    return figures


def _kind(meta: dict[str, np.ndarray], winner: int, other: int) -> str:
    if meta["text_key"][winner] == meta["text_key"][other]:
        return KIND_NAMES[EXACT]
    if meta["url_key"][winner] == meta["url_key"][other]:
        return KIND_NAMES[URL]
    return KIND_NAMES[NEAR]
