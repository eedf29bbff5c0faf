"""Runs a pipeline stage after stage over a run directory, resuming where it stopped.

Stage k's tasks are stage k-1's finished parts (stage 0's are the run's input files), so a
part keeps its name through the pipeline. Tasks with a completion marker are skipped: a
killed run, started again with the same run id, redoes only what had not finished, and ends
with the same outputs as an uninterrupted run.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import fsspec

from corpus import runrecord
from corpus.config import Pipeline
from corpus.progress import PipelineProgress
from corpus.rundir import RunDir, task_name
from corpus.runtime import Runtime
from corpus.task import TaskSpec, read_marker, run_task

INPUT_PATTERNS = ("*.warc", "*.warc.gz", "*.wet", "*.wet.gz", "*.parquet")


def expand_inputs(specs: list[str]) -> list[str]:
    """Files from paths, directories (their WARC/WET/Parquet files) and globs, in order."""
    found: list[str] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = sorted({str(p) for pat in INPUT_PATTERNS for p in path.glob(pat)})
        elif any(ch in spec for ch in "*?["):
            fs, _, paths = fsspec.get_fs_token_paths(spec)
            matches = [fs.unstrip_protocol(p) if "://" in spec else p for p in sorted(paths)]
        else:
            matches = [str(path.resolve()) if "://" not in spec else spec]
            if "://" not in spec and not path.is_file():
                raise FileNotFoundError(f"input not found: {spec}")
        if not matches:
            raise FileNotFoundError(f"no input files match {spec}")
        found.extend(m for m in matches if m not in found)
    return found


def _specs(pipeline: Pipeline, index: int, run_dir: RunDir, inputs: list[str]) -> list[TaskSpec]:
    stage = pipeline.stages[index]
    if index == 0:
        sources = [(task_name(i), path) for i, path in enumerate(inputs)]
    else:
        prev = pipeline.stages[index - 1].name
        done = sorted(
            p.name.removeprefix("_DONE.") for p in run_dir.stage_dir(prev).glob("_DONE.*")
        )
        sources = [(task, str(run_dir.part(prev, task))) for task in done]
    params_json = stage.params.model_dump_json()
    return [
        TaskSpec(
            stage=stage.name,
            params_json=params_json,
            task=task,
            input=source,
            output=run_dir.part(stage.name, task),
            ledger=run_dir.ledger(stage.name, task),
            marker=run_dir.marker(stage.name, task),
        )
        for task, source in sources
    ]


def run_pipeline(
    pipeline: Pipeline,
    inputs: list[str],
    run_dir: RunDir,
    run_id: str,
    runtime: Runtime,
    progress: PipelineProgress,
) -> dict[str, Any]:
    """Runs (or resumes) every stage; returns the final run record."""
    run_dir.root.mkdir(parents=True, exist_ok=True)
    run_dir.clean_tmp()
    record = runrecord.open_record(run_dir, run_id, pipeline, inputs, runtime.describe())
    any_failed = False
    for index, stage in enumerate(pipeline.stages):
        specs = _specs(pipeline, index, run_dir, inputs)
        todo = [s for s in specs if not s.marker.exists()]
        previous = record["stages"].get(stage.name, {})
        nodes: Counter[str] = Counter(previous.get("nodes", {}))
        bar = progress.stage(stage.name, len(specs), len(specs) - len(todo))

        def finished(spec: TaskSpec, result: dict[str, Any], bar=bar, nodes=nodes) -> None:
            nodes[result["node"]] += 1
            bar.file_done()

        start = time.perf_counter()
        failures = runtime.map(run_task, todo, on_done=finished, on_docs=bar.docs)
        wall = previous.get("wall_s", 0.0) + time.perf_counter() - start
        failed = [{"task": f.item.task, "input": f.item.input, "error": f.error} for f in failures]
        markers = [read_marker(s.marker) for s in specs if s.marker.exists()]
        record["stages"][stage.name] = runrecord.summarize_stage(
            markers, len(specs), failed, wall, nodes
        )
        runrecord.save(run_dir, record)
        any_failed = any_failed or bool(failed)
    record["status"] = "incomplete" if any_failed else "complete"
    runrecord.save(run_dir, record)
    return record
