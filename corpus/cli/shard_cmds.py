"""`leam shard`: the shard stage alone, over Parquet documents of an earlier run."""

from __future__ import annotations

from typing import Annotated

import typer

from leam.corpus.cli import options
from leam.corpus.cli.run_cmds import Inputs, execute
from leam.corpus.config import Pipeline


def shard(
    inputs: Inputs,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    target_bytes: Annotated[
        int | None, typer.Option(min=1, help="UTF-8 text bytes per shard. Default 512 MiB.")
    ] = None,
    target_rows: Annotated[int | None, typer.Option(min=1, help="Documents per shard.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Shuffle seed: same seed, same shards.")] = 0,
    quiet: options.Quiet = False,
) -> None:
    """Write documents as shuffled, zstd Parquet shards per language, with a manifest.

    Writes runs/<run-id>/shards/<lang>/part-NNNNN.parquet, shards/MANIFEST.json (rows,
    bytes, sha256 per shard), the datasheet shards/README.md, shards/stats.json, and the AI
    Act summary under reports/. Shards are shuffled within each language by a seeded key of
    the document id: the same documents and seed give the same files, whatever the workers.
    """
    given = {"target_rows": target_rows, "seed": seed}
    if target_bytes is not None or target_rows is not None:
        given["target_bytes"] = target_bytes
    # pandas through pyarrow.dataset: see audit_cmds
    from leam.pipelines.shard.stage import ShardParams, ShardStage

    pipeline = Pipeline.single(ShardStage, ShardParams(**given))
    execute(pipeline, inputs, runs_dir, run_id, workers, ray_address, quiet)
