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
import shutil
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
from leam.pipelines.shard.write import gather_shard, scatter_part, shard_count, shard_jobs

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
        if (run_dir.shards / manifest.NAME).exists():  # a resumed run: shards are written
            shutil.rmtree(workdir / "scatter", ignore_errors=True)
            return read_json(workdir / "prepared.json")
        workdir.mkdir(parents=True, exist_ok=True)
        tasks = [task for task, _ in parts]
        timings: dict[str, float] = {}

        start = time.perf_counter()
        languages = merge_figures(pmap(functools.partial(_profile, workdir=workdir), parts))
        domains = merge_domains(workdir, tasks)
        write_row_groups_atomic([domains], DOMAIN_SCHEMA, run_dir.domains)
        timings["profile_s"] = round(time.perf_counter() - start, 3)

        p = self.params
        plan = {
            lang: shard_count(f["docs"], f["bytes"], p.target_rows, p.target_bytes)
            for lang, f in languages.items()
        }
        start = time.perf_counter()
        pmap(functools.partial(_scatter, workdir=workdir, plan=plan, seed=p.seed), parts)
        timings["scatter_s"] = round(time.perf_counter() - start, 3)

        start = time.perf_counter()
        gather = functools.partial(
            gather_shard,
            workdir=workdir,
            shards_dir=run_dir.shards,
            row_group_bytes=p.row_group_bytes,
            level=p.compression_level,
        )
        entries = pmap(gather, shard_jobs(workdir, tasks, plan))
        timings["gather_s"] = round(time.perf_counter() - start, 3)

        prepared = _figures(languages, entries, len(domains.column("domain").unique()), timings)
        write_json_atomic(prepared, workdir / "prepared.json")
        run_id = runrecord.load(run_dir)["run_id"]
        shuffle = {"seed": p.seed, "key": "xxh3_64(id, seed)", "order": "key within a shard"}
        manifest.write_manifest(run_dir.shards, run_id, SHARD_SCHEMA, entries, shuffle)
        shutil.rmtree(workdir / "scatter", ignore_errors=True)
        return prepared

    def read(self, path: str, ctx: Context) -> Iterator[Doc]:
        """Only the language: `run` counts what prepare has already written to the shards."""
        for batch in pq.ParquetFile(path).iter_batches(columns=["lang"], batch_size=10_000):
            for lang in batch.column(0).to_pylist():
                ctx.count_in()
                yield {"lang": lang}



def _profile(part: tuple[str, str], workdir: Path) -> dict[str, dict[str, Any]]:
    return profile_part(part[0], part[1], workdir)


def _scatter(part: tuple[str, str], workdir: Path, plan: dict[str, int], seed: int) -> int:
    return scatter_part(part[0], part[1], workdir, plan, seed)


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
