"""Stage `dedup`: URL, exact and near-duplicate removal across the whole run.

    stages: [..., {stage: dedup, params: {threshold: 0.8}}]

A global stage: `prepare` builds the index over all parts (signatures in parallel, the
bucket shuffle in parallel, the clustering in this process on compact integer edges), then
`run` goes over each part and removes every document that is not its cluster's kept one,
to the ledger with reason `duplicate`, its cluster id and the id of the kept document. Kept
documents carry their cluster's size, so a trainer can upsample well-attested content.
Incremental: `previous` names the dedup work folders of earlier runs; their documents are
never removed, and a new document that duplicates one of them is.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
from pydantic import Field, model_validator

from leam.corpus.rundir import RunDir
from leam.corpus.stage import BaseStage, Context, Doc, ParallelMap, StageKind, StageParams
from leam.pipelines.dedup.cluster import cluster
from leam.pipelines.dedup.index import (
    EXACT,
    KIND_NAMES,
    NEAR,
    URL,
    IndexConfig,
    PartRef,
    bucket_edges,
    read_index_config,
    signature_part,
    write_index_config,
)
from leam.pipelines.dedup.minhash import MAX_NGRAM


class DedupParams(StageParams):
    threshold: float = Field(0.8, gt=0, le=1, description="Jaccard similarity of near-duplicates")
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations")
    ngram: int = Field(5, ge=1, le=MAX_NGRAM, description="words per shingle")
    seed: int = Field(1, description="MinHash permutation seed")
    url: bool = Field(True, description="same normalised URL = duplicate")
    exact: bool = Field(True, description="same normalised text = duplicate")
    near: bool = Field(True, description="MinHash-LSH near-duplicates")
    per_language: bool = Field(True, description="compare documents only within a language")
    buckets: int = Field(16, ge=1, le=4096, description="shuffle partitions of the bucket keys")
    previous: list[Path] = Field(
        default_factory=list, description="dedup work folders (<run>/dedup/_work) of earlier runs"
    )

    @model_validator(mode="after")
    def _something_to_do(self) -> DedupParams:
        if not (self.url or self.exact or self.near):
            raise ValueError("at least one of url, exact, near must be true")
        return self

    def index_config(self) -> IndexConfig:
        kinds = tuple(
            k for k, on in ((URL, self.url), (EXACT, self.exact), (NEAR, self.near)) if on
        )
        return IndexConfig(
            self.threshold,
            self.num_perm,
            self.ngram,
            self.seed,
            self.per_language,
            self.buckets,
            kinds,
        )


class DedupStage(BaseStage):
    name: ClassVar[str] = "dedup"
    kind: ClassVar[StageKind] = "global"
    Params: ClassVar[type[StageParams]] = DedupParams

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        config = self.params.index_config()
        workdir = run_dir.workdir(self.name)
        workdir.mkdir(parents=True, exist_ok=True)
        write_index_config(workdir, config)
        run_dir.upload(workdir / "index.json")
        previous = self._previous_parts(config)
        timings = {}

        start = time.perf_counter()
        sign = functools.partial(_sign, workdir=workdir, config=config, run_dir=run_dir)
        rows = pmap(sign, parts)
        timings["signatures_s"] = round(time.perf_counter() - start, 3)

        offset = sum(p.rows for p in previous)
        current: dict[str, PartRef] = {}
        for (task, _), n in zip(parts, rows, strict=True):
            current[task] = PartRef(workdir / "parts" / task, offset, n)
            offset += n
        all_parts = [*previous, *current.values()]

        start = time.perf_counter()
        edges = functools.partial(
            _edges, parts=all_parts, workdir=workdir, threshold=config.threshold, run_dir=run_dir
        )
        edge_counts = pmap(edges, list(range(config.buckets)))
        timings["buckets_s"] = round(time.perf_counter() - start, 3)

        start = time.perf_counter()
        if run_dir.remote:  # what the clustering reads, made on the workers
            for bucket in range(config.buckets):
                run_dir.fetch(workdir / "edges" / f"b-{bucket:04d}.npz")
            for part in current.values():
                run_dir.fetch(part.folder / "meta.parquet")
        figures = cluster(workdir, current, previous, config.buckets)
        run_dir.upload(workdir / "decisions", workdir / "clusters.json")
        timings["clustering_s"] = round(time.perf_counter() - start, 3)
        return {**figures, "edges_per_bucket_max": max(edge_counts, default=0), **timings}

    def _previous_parts(self, config: IndexConfig) -> list[PartRef]:
        """The parts of earlier runs' indexes, first in global order."""
        refs, offset = [], 0
        for folder in self.params.previous:
            saved = read_index_config(folder)
            for key in ("num_perm", "seed", "ngram", "threshold", "per_language", "buckets"):
                mine = getattr(config, key)
                if saved[key] != mine:
                    raise ValueError(f"{folder}: index built with {key}={saved[key]}, not {mine}")
            # a kind the old index lacks would match nothing there, silently
            if missing := set(config.kinds) - set(saved["kinds"]):
                names = ", ".join(KIND_NAMES[k] for k in sorted(missing))
                raise ValueError(f"{folder}: index built without {names} keys")
            for part in sorted((folder / "parts").iterdir()):
                n = int((part / "_DONE").read_text())
                refs.append(PartRef(part, offset, n))
                offset += n
        return refs

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]:
        assert ctx.workdir is not None, "dedup runs after prepare()"
        path = ctx.local(ctx.workdir / "decisions" / f"{ctx.task}.parquet")
        decisions = {d["row"]: d for d in pq.read_table(path).to_pylist()}
        for row, doc in enumerate(docs):
            decision = decisions.get(row)
            if decision is None:
                doc["dup_cluster"], doc["dup_cluster_size"] = None, 1
                yield ctx.kept(doc)
                continue
            doc["dup_cluster"], doc["dup_cluster_size"] = decision["cluster"], decision["size"]
            if decision["keep"]:
                yield ctx.kept(doc)
            else:
                kept = decision["kept_id"]
                detail = f"{decision['kind']} duplicate of {kept} ({decision['size']} in cluster)"
                ctx.reject(
                    "duplicate", doc, detail=detail, dup_cluster=decision["cluster"], dup_of=kept
                )


def _sign(part: tuple[str, str], workdir: Path, config: IndexConfig, run_dir: RunDir) -> int:
    """Phase 1 on a worker. On a store: a part signed by an earlier invocation is taken as
    it is; a new one is signed from a local copy of its input and uploaded."""
    task, path = part
    done = workdir / "parts" / task / "_DONE"
    if run_dir.remote and run_dir.exists(done):
        return int(run_dir.fetch(done).read_text())
    local = run_dir.local_input(path)
    try:
        rows = signature_part(task, local, workdir, config)
    finally:
        if local != path:
            Path(local).unlink(missing_ok=True)
    run_dir.upload(workdir / "parts" / task)
    return rows


def _edges(
    bucket: int, parts: list[PartRef], workdir: Path, threshold: float, run_dir: RunDir
) -> int:
    """Phase 2 on a worker; on a store it first fetches the bucket's shuffle files and the
    signatures of every part of the run (those of earlier runs are local folders)."""
    out = workdir / "edges" / f"b-{bucket:04d}.npz"
    if run_dir.remote:
        run_dir.fetch(out, missing_ok=True)
        for part in parts:
            if part.folder.is_relative_to(run_dir.root):
                run_dir.fetch(part.folder / f"b-{bucket:04d}.parquet")
                run_dir.fetch(part.folder / "sig.npy")
    edges = bucket_edges(bucket, parts, workdir, threshold)
    run_dir.upload(out)
    return edges
