"""The dedup index: per-part keys and signatures, the bucket shuffle, and the clustering.

Layout under the stage's work folder (and the same under a previous run's, for incremental
dedup against it):

    index.json                    hashing parameters; a previous index must match them
    parts/<task>/meta.parquet     row, id, text_len, warc_date, url_key, text_key
    parts/<task>/sig.npy          (rows, num_perm) uint32 MinHash signatures
    parts/<task>/b-NNNN.parquet   key, kind, row: this part's keys of shuffle partition NNNN
    edges/b-NNNN.npz              global a, b, kind: duplicate pairs found in partition NNNN
    decisions/<task>.parquet      row, cluster, size, keep, kept_id, kind (rows in clusters)
    clusters.json                 figures: documents, edges, clusters, removed, memory

Every key (normalised URL, normalised text, each LSH band) is salted with its kind and, by
default, the language, then sent to partition `key % buckets`. A partition task groups equal
keys: URL and exact-text groups become edges as they are; near-duplicate band groups become
edges only where the signatures agree on at least `threshold` of their values, which
removes LSH's false candidates. Connected components of all edges are the clusters.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash
from courlan import normalize_url

from leam.corpus.rundir import write_json_atomic
from leam.pipelines.dedup.minhash import MinHasher

URL, EXACT, NEAR = 0, 1, 2
KIND_NAMES = {URL: "url", EXACT: "exact", NEAR: "near"}
MAX_PAIRWISE_GROUP = 32  # near-dup buckets up to this size are verified pair by pair
BUCKET_SCHEMA = pa.schema([("key", pa.uint64()), ("kind", pa.uint8()), ("row", pa.int32())])


@dataclass(frozen=True)
class IndexConfig:
    threshold: float
    num_perm: int
    ngram: int
    seed: int
    per_language: bool
    buckets: int
    kinds: tuple[int, ...]  # which of URL, EXACT, NEAR are looked for

    def hasher(self) -> MinHasher:
        return MinHasher(self.num_perm, self.seed, self.ngram, self.threshold)


def _key(*parts: Any) -> int:
    return xxhash.xxh3_64_intdigest("\x00".join(map(str, parts)).encode())


def _norm_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _norm_url(url: str) -> str:
    """Lower-case host, default port and tracking parameters dropped, query sorted, no
    fragment (courlan's non-strict mode; its strict mode drops query parameters that name
    different pages, such as `?id=5`)."""
    try:
        return normalize_url(url).split("#", 1)[0]
    except ValueError:
        return url.strip().split("#", 1)[0]


def write_index_config(workdir: Path, config: IndexConfig) -> None:
    data = {**asdict(config), "bands": list(config.hasher().bands)}
    write_json_atomic(data, workdir / "index.json")


def read_index_config(workdir: Path) -> dict[str, Any]:
    return json.loads((workdir / "index.json").read_text())


def signature_part(task: str, path: str, workdir: Path, config: IndexConfig) -> int:
    """Phase 1, one part: keys, signatures and shuffle files. Returns the part's rows."""
    out = workdir / "parts" / task
    if (out / "_DONE").exists():
        return int((out / "_DONE").read_text())
    table = pq.read_table(path, columns=["id", "url", "text", "lang", "source"])
    ids = table["id"].to_pylist()
    texts = [t or "" for t in table["text"].to_pylist()]
    langs = table["lang"].to_pylist()
    dates = [s["warc_date"] if s else None for s in table["source"].to_pylist()]
    salts = [lang if config.per_language else "" for lang in langs]
    url_keys = [
        _key("url", s, _norm_url(u or ""))
        for s, u in zip(salts, table["url"].to_pylist(), strict=True)
    ]
    text_keys = [_key("text", s, _norm_text(t)) for s, t in zip(salts, texts, strict=True)]
    hasher = config.hasher()
    sig = hasher.signatures(texts, langs)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "sig.npy", sig)
    meta = pa.table({
        "row": pa.array(range(len(ids)), pa.int32()), "id": ids,
        "text_len": pa.array([len(t) for t in texts], pa.int32()), "warc_date": dates,
        "url_key": pa.array(url_keys, pa.uint64()), "text_key": pa.array(text_keys, pa.uint64()),
    })  # fmt: skip
    pq.write_table(meta, out / "meta.parquet")
    keys, kinds, rows = [], [], []
    for kind, values in ((URL, url_keys), (EXACT, text_keys)):
        if kind in config.kinds:
            keys += values
            kinds += [kind] * len(values)
            rows += range(len(values))
    if NEAR in config.kinds:
        salt_hashes = np.array([_key("near", salt) for salt in salts], dtype=np.uint64)
        band_keys = hasher.band_keys(sig, salt_hashes)  # (rows, bands)
        keys += band_keys.ravel().tolist()
        kinds += [NEAR] * band_keys.size
        rows += np.repeat(np.arange(len(ids)), band_keys.shape[1]).tolist()
    keys_a = np.array(keys, dtype=np.uint64)
    part_of = keys_a % np.uint64(config.buckets)
    table = pa.table(
        {"key": keys_a, "kind": np.array(kinds, np.uint8), "row": np.array(rows, np.int32)}
    )
    for bucket in range(config.buckets):
        mask = pa.array(part_of == bucket)
        pq.write_table(table.filter(mask).cast(BUCKET_SCHEMA), out / f"b-{bucket:04d}.parquet")
    (out / "_DONE").write_text(str(len(ids)))
    return len(ids)


@dataclass(frozen=True)
class PartRef:
    """A part of the index: its folder and the global index of its first row."""

    folder: Path
    offset: int
    rows: int


def bucket_edges(bucket: int, parts: list[PartRef], workdir: Path, threshold: float) -> int:
    """Phase 2, one shuffle partition: duplicate pairs from equal keys. Returns edges."""
    out = workdir / "edges" / f"b-{bucket:04d}.npz"
    if out.exists():
        return int(np.load(out)["a"].size)
    keys, kinds, nodes = [], [], []
    for part in parts:
        t = pq.read_table(part.folder / f"b-{bucket:04d}.parquet")
        keys.append(t["key"].to_numpy())
        kinds.append(t["kind"].to_numpy())
        nodes.append(t["row"].to_numpy().astype(np.int64) + part.offset)
    key, kind, node = (np.concatenate(x) if x else np.empty(0) for x in (keys, kinds, nodes))
    order = np.lexsort((node, key))
    key, kind, node = key[order], kind[order], node[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    a, b, k = [], [], []
    signatures = _SignatureReader(parts)
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        group, group_kind = node[s:e], int(kind[s])
        if group_kind != NEAR:
            a += [group[0]] * (e - s - 1)
            b += group[1:].tolist()
            k += [group_kind] * (e - s - 1)
            continue
        pairs = _candidate_pairs(group)
        sims = signatures.similarity(pairs[:, 0], pairs[:, 1])
        keep = pairs[sims >= threshold]
        a += keep[:, 0].tolist()
        b += keep[:, 1].tolist()
        k += [NEAR] * len(keep)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{os.getpid()}-{out.name}")
    with tmp.open("wb") as f:
        np.savez(f, a=np.array(a, np.int64), b=np.array(b, np.int64), kind=np.array(k, np.uint8))
    os.replace(tmp, out)
    return len(a)


def _candidate_pairs(group: np.ndarray) -> np.ndarray:
    if len(group) <= MAX_PAIRWISE_GROUP:
        i, j = np.triu_indices(len(group), k=1)
        return np.stack([group[i], group[j]], axis=1)
    return np.stack([np.full(len(group) - 1, group[0]), group[1:]], axis=1)


class _SignatureReader:
    """Signature rows by global index, memory-mapped from each part's sig.npy."""

    def __init__(self, parts: list[PartRef]) -> None:
        self.parts = parts
        self.offsets = np.array([p.offset for p in parts], dtype=np.int64)
        self._maps: dict[int, np.ndarray] = {}

    def rows(self, nodes: np.ndarray) -> np.ndarray:
        which = np.searchsorted(self.offsets, nodes, side="right") - 1
        out = np.empty((len(nodes), 0), dtype=np.uint32)
        for p in np.unique(which):
            sig = self._maps.setdefault(p, np.load(self.parts[p].folder / "sig.npy", mmap_mode="r"))
            if out.shape[1] == 0:
                out = np.empty((len(nodes), sig.shape[1]), dtype=np.uint32)
            mask = which == p
            out[mask] = sig[nodes[mask] - self.parts[p].offset]
        return out

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (self.rows(a) == self.rows(b)).mean(axis=1)
