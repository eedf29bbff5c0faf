"""Stage `shard`: the run's documents as shuffled Parquet shards per language, for trainers.

    stages: [..., {stage: shard, params: {target_bytes: 536870912, seed: 0}}]

Writes runs/<id>/shards/<lang>/part-NNNNN.parquet (zstd, row groups of about
`row_group_bytes` of text, SHARD_SCHEMA) and shards/MANIFEST.json, and once the run is
complete the datasheet (shards/README.md), shards/stats.json and the AI Act summary
(reports/ai-act.md and .json).

A global stage with three parallel passes in `prepare` (pipelines.shard_profile, then
pipelines.shard_write): profile every part (per-language sizes and figures), scatter every
part into (language, shard) buckets by a seeded key of the document id, gather every shard
from its buckets in key order. The per-part `run` then only counts documents for run.json
(the stage removes nothing), and the runner writes no parts for it (`writes_parts`): the
shards are the stage's output, so the corpus is not stored a second time. Only a stage
that reads the shards (the tokenizer) may follow it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
from pydantic import Field, model_validator

from leam.corpus import runrecord
from leam.corpus.rundir import RunDir, read_json, write_json_atomic, write_row_groups_atomic
from leam.corpus.schema import SHARD_SCHEMA
from leam.corpus.stage import BaseStage, Context, Doc, ParallelMap, StageKind, StageParams
from leam.pipelines.shard import manifest
from leam.pipelines.shard.profile import DOMAIN_SCHEMA, merge_domains, merge_figures, profile_part
from leam.pipelines.shard.write import (
    ShardJob,
    gather_shard,
    scatter_part,
    shard_count,
    shard_jobs,
)

MiB = 1 << 20


class ShardParams(StageParams):
    target_bytes: int | None = Field(
        512 * MiB, ge=1, description="UTF-8 text bytes per shard (zstd files are ~1/3 of it)"
    )
    target_rows: int | None = Field(
        None, ge=1, description="documents per shard; with target_bytes, the smaller shards win"
    )
    row_group_bytes: int = Field(64 * MiB, ge=1, description="text bytes per Parquet row group")
    seed: int = Field(0, ge=0, lt=1 << 64, description="shuffle seed: same seed, same shards")
    compression_level: int = Field(3, ge=1, le=22, description="zstd level of the shards")
    license: str = Field("other", description="datasheet `license` (a Hugging Face Hub id)")
    pretty_name: str | None = Field(None, description="datasheet title; default: the run id")
    sme: bool = Field(
        False,
        description="AI Act summary: list the top 5 % of domains (at most 1,000), as the "
        "template allows SMEs, instead of the top 10 %",
    )

    @model_validator(mode="after")
    def _a_target(self) -> ShardParams:
        if self.target_bytes is None and self.target_rows is None:
            raise ValueError("give target_bytes, target_rows or both")
        return self


class ShardStage(BaseStage):
    name: ClassVar[str] = "shard"
    kind: ClassVar[StageKind] = "global"
    writes_parts: ClassVar[bool] = False  # the shards are the output (see the module doc)
    Params: ClassVar[type[StageParams]] = ShardParams

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        workdir = run_dir.workdir(self.name)
        if run_dir.exists(run_dir.shards / manifest.NAME):  # a resumed run: shards are written
            run_dir.remove(workdir / "scatter")
            return read_json(run_dir.fetch(workdir / "prepared.json"))
        workdir.mkdir(parents=True, exist_ok=True)
        tasks = [task for task, _ in parts]
        timings: dict[str, float] = {}

        start = time.perf_counter()
        profile = functools.partial(_profile, workdir=workdir, run_dir=run_dir)
        languages = merge_figures(pmap(profile, parts))
        for task in tasks:  # made on the workers
            run_dir.fetch(workdir / "profile" / f"{task}.domains.parquet")
        domains = merge_domains(workdir, tasks)
        write_row_groups_atomic([domains], DOMAIN_SCHEMA, run_dir.domains)
        run_dir.upload(run_dir.domains)
        timings["profile_s"] = round(time.perf_counter() - start, 3)

        p = self.params
        plan = {
            lang: shard_count(f["docs"], f["bytes"], p.target_rows, p.target_bytes)
            for lang, f in languages.items()
        }
        start = time.perf_counter()
        pmap(functools.partial(_scatter, workdir=workdir, plan=plan, seed=p.seed, run_dir=run_dir),
             parts)  # fmt: skip
        for task in tasks:
            run_dir.fetch(workdir / "scatter" / f"{task}.json")
        timings["scatter_s"] = round(time.perf_counter() - start, 3)

        start = time.perf_counter()
        gather = functools.partial(
            _gather,
            workdir=workdir,
            run_dir=run_dir,
            row_group_bytes=p.row_group_bytes,
            level=p.compression_level,
        )
        entries = pmap(gather, shard_jobs(workdir, tasks, plan))
        timings["gather_s"] = round(time.perf_counter() - start, 3)

        prepared = _figures(languages, entries, len(domains.column("domain").unique()), timings)
        write_json_atomic(prepared, workdir / "prepared.json")
        run_dir.upload(workdir / "prepared.json")
        run_id = runrecord.load(run_dir)["run_id"]
        shuffle = {"seed": p.seed, "key": "xxh3_64(id, seed)", "order": "key within a shard"}
        manifest.write_manifest(run_dir.shards, run_id, SHARD_SCHEMA, entries, shuffle)
        run_dir.upload(run_dir.shards / manifest.NAME)  # last: it says the shards are whole
        run_dir.remove(workdir / "scatter")
        return prepared

    def read(self, path: str, ctx: Context) -> Iterator[Doc]:
        """Only the language: `run` counts what prepare has already written to the shards."""
        for batch in pq.ParquetFile(path).iter_batches(columns=["lang"], batch_size=10_000):
            for lang in batch.column(0).to_pylist():
                ctx.count_in()
                yield {"lang": lang}



def _on_worker(run_dir: RunDir, path: str, work) -> Any:
    """A pass's step for one input part on a worker; on a store, on a whole local copy of
    it (removed after). Each step below then uploads what it wrote, its JSON last: a step
    an earlier invocation finished is read back from that JSON instead."""
    local = run_dir.local_input(path)
    try:
        return work(local)
    finally:
        if local != path:
            Path(local).unlink(missing_ok=True)


def _profile(
    part: tuple[str, str], workdir: Path, run_dir: RunDir
) -> dict[str, dict[str, Any]]:
    task, path = part
    out = workdir / "profile" / f"{task}.json"
    if run_dir.remote and run_dir.exists(out):
        run_dir.fetch(out.with_suffix(".domains.parquet"))
        return read_json(run_dir.fetch(out))
    figures = _on_worker(run_dir, path, lambda local: profile_part(task, local, workdir))
    run_dir.upload(out.with_suffix(".domains.parquet"), out)
    return figures


def _scatter(
    part: tuple[str, str], workdir: Path, plan: dict[str, int], seed: int, run_dir: RunDir
) -> int:
    task, path = part
    index = workdir / "scatter" / f"{task}.json"
    if run_dir.remote and run_dir.exists(index):
        run_dir.fetch(index.with_suffix(".parquet"))
        return read_json(run_dir.fetch(index))["rows"]
    rows = _on_worker(run_dir, path, lambda local: scatter_part(task, local, workdir, plan, seed))
    run_dir.upload(index.with_suffix(".parquet"), index)
    return rows


def _gather(
    job: ShardJob, workdir: Path, run_dir: RunDir, row_group_bytes: int, level: int
) -> dict[str, Any]:
    """One shard on a worker: on a store, from the scatter files fetched, and uploaded
    (the shard, then its entry) unless an earlier invocation did."""
    entry = workdir / "gathered" / f"{job.lang}-{job.shard:05d}.json"
    if run_dir.remote:
        if run_dir.exists(entry):
            return read_json(run_dir.fetch(entry))
        for task, _ in job.pieces:
            run_dir.fetch(workdir / "scatter" / f"{task}.parquet")
    written = gather_shard(job, workdir, run_dir.shards, row_group_bytes, level)
    run_dir.upload(run_dir.shards / written["path"], entry)
    return written


def _figures(
    languages: dict[str, dict[str, Any]],
    entries: list[dict[str, Any]],
    domains: int,
    timings: dict[str, float],
) -> dict[str, Any]:
    """What run.json records of the stage: per-language figures, with their shards."""
    for lang, figures in languages.items():
        mine = [e for e in entries if e["language"] == lang]
        figures.update(shards=len(mine), file_bytes=sum(e["bytes"] for e in mine))
    return {
        "shards": len(entries),
        "rows": sum(e["rows"] for e in entries),
        "file_bytes": sum(e["bytes"] for e in entries),
        "text_bytes": sum(e["text_bytes"] for e in entries),
        "domains": domains,
        "languages": languages,
        **timings,
    }
