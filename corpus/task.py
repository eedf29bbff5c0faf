"""One task: one input file through one stage, in a worker process.

The task writes its document part, its ledger part and then its completion marker (which
holds its counters), each atomically; a rerun skips every task that has a marker. For a run
on object storage the three are written to the node's mirror and uploaded whole, the marker
last (no rename needed), and a Parquet input is fetched first. Stages are
built and set up once per worker process and reused by later tasks (models load once).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leam.corpus.rundir import AtomicParquetWriter, write_json_atomic
from leam.corpus.schema import DOC_SCHEMA, LEDGER_SCHEMA
from leam.corpus.stage import Context, Stage
from leam.corpus.storage import Store


@dataclass(frozen=True)
class TaskSpec:
    stage: str
    stage_cls: type[Stage]  # pickled by reference: a worker imports the stage's module
    params_json: str  # the stage's resolved parameters, as JSON (hashable, picklable)
    task: str
    input: str
    output: Path
    ledger: Path
    marker: Path
    workdir: Path  # the stage's scratch folder (global stages keep their decisions there)
    store: Store | None = None  # a run on object storage: the paths above are its mirror's


@functools.lru_cache(maxsize=8)
def ready_stage(cls: type[Stage], params_json: str) -> Stage:
    instance = cls(cls.Params.model_validate_json(params_json))
    instance.setup()
    return instance


def run_task(spec: TaskSpec, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Runs the task and returns its counters (also stored in the marker)."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    stage = ready_stage(spec.stage_cls, spec.params_json)
    store = spec.store
    ctx = Context(spec.stage, progress, task=spec.task, workdir=spec.workdir, store=store)
    source, fetched = spec.input, None
    if store is not None:
        store.activate()
        if stage.reads == "parquet":  # an earlier stage's part: read from a whole local copy
            fetched = store.fetch(store.path_of(spec.input), refresh=True)
            source = str(fetched)
    # A stage that publishes its documents itself (shard) has them counted, not written again.
    out = AtomicParquetWriter(spec.output, DOC_SCHEMA) if stage.writes_parts else None
    ledger = AtomicParquetWriter(spec.ledger, LEDGER_SCHEMA)
    try:
        for doc in stage.run(stage.read(source, ctx), ctx):
            if out is not None:
                out.write(doc)
            _drain(ctx, ledger)
        _drain(ctx, ledger)
    except BaseException:  # the task fails (and is retried): no temporary file stays
        for writer in (out, ledger):
            if writer is not None:
                writer.abort()
        raise
    ledger.commit()
    if out is not None:
        try:
            out.commit()
        except OSError:  # a ledger without its part (and marker) would be counted nowhere
            spec.ledger.unlink(missing_ok=True)
            raise
    ctx.flush_progress()
    written = [spec.ledger, *([spec.output] if out is not None else [])]
    if store is not None:  # part and ledger whole first (their CPU counted), then the marker
        _upload(store, written, fetched)
    stats = {
        "task": spec.task,
        "input": spec.input,
        **ctx.stats(),
        "cpu_s": round(time.process_time() - cpu0, 3),
        "wall_s": round(time.perf_counter() - wall0, 3),
    }
    write_json_atomic(stats, spec.marker)
    if store is not None:
        _upload(store, [spec.marker], None)
    return stats


def _upload(store: Store, files: list[Path], fetched: Path | None) -> None:
    """Files sent whole to the store; the local copies go (a node's scratch holds what its
    tasks are working on, not the run)."""
    try:
        for path in files:
            store.put(path)
    finally:
        for path in (*files, *([fetched] if fetched else [])):
            path.unlink(missing_ok=True)


def _drain(ctx: Context, ledger: AtomicParquetWriter) -> None:
    for row in ctx.ledger:
        ledger.write(row)
    ctx.ledger.clear()
