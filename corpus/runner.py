"""Runs a pipeline stage after stage over a run directory, resuming where it stopped.

Stage k's tasks are stage k-1's finished parts (stage 0's are the run's input files), so a
part keeps its name through the pipeline. Tasks with a completion marker are skipped: a
killed run, started again with the same run id, redoes only what had not finished, and ends
with the same outputs as an uninterrupted run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from leam.corpus import runrecord
from leam.corpus.config import Pipeline, StageConfig
from leam.corpus.progress import PipelineProgress
from leam.corpus.rundir import RunDir, read_json, task_name
from leam.corpus.runtime import Runtime
from leam.corpus.stage import PUBLISHED_INPUTS, ParallelMap
from leam.corpus.task import TaskSpec, ready_stage, run_task


def _specs(pipeline: Pipeline, index: int, run_dir: RunDir, inputs: list[str]) -> list[TaskSpec]:
    stage = pipeline.stages[index]
    if index == 0:
        sources = [(task_name(i), path) for i, path in enumerate(inputs)]
    else:
        prev = pipeline.stages[index - 1].name
        done = run_dir.done_tasks(prev)  # a store: one listing per stage
        sources = [(task, run_dir.locate(run_dir.part(prev, task))) for task in done]
    params_json = stage.params.model_dump_json()
    return [
        TaskSpec(
            stage=stage.name,
            stage_cls=stage.cls,
            params_json=params_json,
            task=task,
            input=source,
            output=run_dir.part(stage.name, task),
            ledger=run_dir.ledger(stage.name, task),
            marker=run_dir.marker(stage.name, task),
            workdir=run_dir.workdir(stage.name),
            store=run_dir.store,
        )
        for task, source in sources
    ]


class GlobalStageError(RuntimeError):
    pass


class _Call:
    """Adapts fn(item) -> value to the runtime's fn(item, progress) -> dict."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, indexed: tuple[int, Any], progress) -> dict[str, Any]:
        return {"index": indexed[0], "value": self.fn(indexed[1])}


def parallel_map(
    runtime: Runtime, label: str, start_pass: Callable[[int], Callable[[], None]] | None = None
) -> ParallelMap:
    """The map that global stages (and commands with phases, like export) get: fn(item) for
    every item on the workers, results in item order, GlobalStageError if any fails for good.
    `start_pass(total)`, when given, is called at each pass and returns a per-item tick
    (progress bars per phase)."""

    def pmap(fn, items: list[Any]) -> list[Any]:
        results: list[Any] = [None] * len(items)
        tick = start_pass(len(items)) if start_pass else None

        def done(item: tuple[int, Any], result: dict[str, Any]) -> None:
            results[result["index"]] = result["value"]
            if tick:
                tick()

        failures = runtime.map(_Call(fn), list(enumerate(items)), on_done=done)
        if failures:
            lines = "; ".join(f"{f.item[1]}: {f.error}" for f in failures[:5])
            raise GlobalStageError(f"{label}: {len(failures)} task(s) failed: {lines}")
        return results

    return pmap


def _prepare_global(
    config: StageConfig, specs: list[TaskSpec], run_dir: RunDir, runtime: Runtime
) -> dict[str, Any]:
    """Run a global stage's preparation (all parts at once) in this process, with the
    parallel work on the workers."""
    stage = ready_stage(config.cls, specs[0].params_json)
    parts = [(s.task, s.input) for s in specs]
    # On a store, a stage that reads what the run published (tokenizer, megatron, train)
    # works on the mirror: the run's files are fetched first (shards included, parts not),
    # and what it wrote is uploaded after.
    published = run_dir.remote and config.cls.reads in PUBLISHED_INPUTS
    if published:
        run_dir.pull()
        run_dir.pull(run_dir.shards)
    before = run_dir.snapshot()
    try:
        prepared = stage.prepare(parts, run_dir, parallel_map(runtime, config.name))
    except (ValueError, FileNotFoundError) as err:  # e.g. an incompatible previous index
        raise GlobalStageError(f"{config.name}: {err}") from err
    if published:
        run_dir.upload_changed(before)
    return prepared


def run_pipeline(
    pipeline: Pipeline,
    inputs: list[str],
    run_dir: RunDir,
    run_id: str,
    runtime: Runtime,
    progress: PipelineProgress,
    watts_per_core: float = runrecord.DEFAULT_WATTS_PER_CORE,
) -> dict[str, Any]:
    """Runs (or resumes) every stage; returns the final run record."""
    rapl_start = runrecord.rapl_joules()
    run_dir.root.mkdir(parents=True, exist_ok=True)
    run_dir.clean_tmp()
    run_dir.fetch(run_dir.record, missing_ok=True)
    inputs, added = runrecord.resumed_inputs(run_dir, inputs)
    record = runrecord.open_record(run_dir, run_id, pipeline, inputs, runtime.describe())
    if added:
        _redo_global_stages(pipeline, run_dir, record)
    try:
        any_failed = _run_stages(pipeline, inputs, run_dir, record, runtime, progress,
                                 watts_per_core)  # fmt: skip
    except KeyboardInterrupt:  # Ctrl-C: what finished stays counted; a rerun resumes
        record["status"] = "interrupted"
        runrecord.save(run_dir, record)
        raise
    record["status"] = "incomplete" if any_failed else "complete"
    rapl_j = runrecord.rapl_delta(rapl_start, runrecord.rapl_joules())
    runrecord.add_energy(record, watts_per_core, rapl_j)
    runrecord.save(run_dir, record)
    return record


def _redo_global_stages(pipeline: Pipeline, run_dir: RunDir, record: dict[str, Any]) -> None:
    """New inputs join a run as new tasks of its per-part stages; from the first global
    stage on, every stage is redone over all parts (a dedup or shard decision over the old
    parts alone would differ from one over all of them), and what they published goes."""
    names = [s.name for s in pipeline.stages]
    first = next((i for i, s in enumerate(pipeline.stages) if s.cls.kind == "global"), None)
    if first is None:
        return
    for name in names[first:]:
        for folder in (run_dir.stage_dir(name), run_dir.root / "rejected" / name):
            run_dir.remove(folder)
        record["stages"].pop(name, None)
    for folder in (run_dir.shards, run_dir.reports):
        run_dir.remove(folder)
    runrecord.save(run_dir, record)


def _run_stages(
    pipeline: Pipeline,
    inputs: list[str],
    run_dir: RunDir,
    record: dict[str, Any],
    runtime: Runtime,
    progress: PipelineProgress,
    watts_per_core: float,
) -> bool:
    """Every stage in order, the record saved after each; True when a task did not finish."""
    any_failed = False
    for index, stage in enumerate(pipeline.stages):
        specs = _specs(pipeline, index, run_dir, inputs)
        done = set(run_dir.done_tasks(stage.name))
        todo = [s for s in specs if s.task not in done]
        results: dict[str, dict[str, Any]] = {}
        previous = record["stages"].get(stage.name, {})
        nodes: Counter[str] = Counter(previous.get("nodes", {}))
        is_global = stage.cls.kind == "global"
        waiting = is_global and any_failed
        if waiting:  # a global decision over part of the input would differ from the whole's
            todo = []
        bar = progress.stage(stage.name, len(specs), len(specs) - len(todo))

        def finished(
            spec: TaskSpec, result: dict[str, Any], bar=bar, nodes=nodes, results=results
        ) -> None:
            nodes[result["node"]] += 1
            results[spec.task] = {k: v for k, v in result.items() if k != "node"}
            bar.file_done()

        start = time.perf_counter()
        prepared = previous.get("prepared", {})
        try:
            if is_global and todo:
                prepared = _prepare_global(stage, specs, run_dir, runtime)
            failures = runtime.map(run_task, todo, on_done=finished, on_docs=bar.docs)
        except KeyboardInterrupt:  # the tasks that finished before Ctrl-C stay counted
            _record_stage(record, stage.name, specs, [], _wall(previous, start, True), nodes,
                          run_dir, results)  # fmt: skip
            raise
        # A rerun with nothing left to do adds no time: the stage's rate stays its own.
        wall = _wall(previous, start, bool(todo))
        failed = [{"task": f.item.task, "input": f.item.input, "error": f.error} for f in failures]
        markers = _record_stage(record, stage.name, specs, failed, wall, nodes, run_dir, results)
        if is_global:
            record["stages"][stage.name]["prepared"] = prepared
            record["stages"][stage.name]["waiting_for_upstream"] = waiting
        runrecord.add_energy(record, watts_per_core)
        runrecord.save(run_dir, record)
        # A task that returned without leaving its marker here did not finish for this run.
        any_failed = any_failed or bool(failed) or len(markers) < len(specs)
    return any_failed


def _wall(previous: dict[str, Any], start: float, worked: bool) -> float:
    """The stage's wall time over every invocation that had work for it."""
    return previous.get("wall_s", 0.0) + (time.perf_counter() - start if worked else 0.0)


def _record_stage(
    record: dict[str, Any],
    name: str,
    specs: list[TaskSpec],
    failed: list[dict[str, str]],
    wall: float,
    nodes: Counter[str],
    run_dir: RunDir,
    results: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The stage's totals from the markers of its finished tasks; returns the markers.
    On a store, the stage's markers are listed once; those of tasks run now are their
    results, the others (an earlier invocation's) are fetched."""
    if run_dir.remote:
        done = set(run_dir.done_tasks(name))
        markers = [
            results.get(s.task) or read_json(run_dir.fetch(s.marker))
            for s in specs
            if s.task in done
        ]
    else:
        markers = [read_json(s.marker) for s in specs if s.marker.exists()]
    previous = record["stages"].get(name, {})
    summary = runrecord.summarize_stage(markers, len(specs), failed, wall, nodes)
    for key in ("prepared", "waiting_for_upstream"):
        if key in previous:
            summary[key] = previous[key]
    record["stages"][name] = summary
    return markers
