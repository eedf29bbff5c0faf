"""`--dry-run`: what a command would read, do and write, resolved as the real run resolves
it (same input expansion, same resume checks), with nothing started and nothing written."""

from __future__ import annotations

from pathlib import Path

from leam.corpus import runrecord
from leam.corpus.cli import consoles
from leam.corpus.config import Pipeline
from leam.corpus.rundir import RunDir, task_name

out = consoles.stdout()


def _say(text: str) -> None:
    out.print(text, soft_wrap=True, highlight=False, markup=False)


def print_run_plan(pipeline: Pipeline, files: list[str], run_dir: RunDir, restart: bool) -> None:
    """The run's inputs (known or new to it), its stages' tasks, and the folders it writes."""
    if restart or not run_dir.record.exists():
        inputs, added, state = files, len(files), "new run" + (" (restart)" if restart else "")
    else:
        inputs, added = runrecord.resumed_inputs(run_dir, files)  # refuses as the run would
        state = f"resume ({added} new input(s))" if added else "resume"
    _say(f"run {run_dir.root.name} in {run_dir.root}: {state}, pipeline {pipeline.name}")
    _say(f"inputs ({len(inputs)}):")
    known = len(inputs) - added
    for i, path in enumerate(inputs):
        _say(f"  {'new ' if i >= known else 'done' if _done(run_dir, pipeline, i) else 'todo'}"
             f"  {path}")  # fmt: skip
    _say("stages:")
    redo = bool(added) and known > 0
    for index, stage in enumerate(pipeline.stages):
        kind = stage.cls.kind
        if index == 0:
            done = sum(_done(run_dir, pipeline, i) for i in range(len(inputs)))
            tasks = f"{len(inputs)} task(s), {done} done"
        else:
            tasks = "one task per part of the stage before"
        note = " (redone over all parts: inputs were added)" if redo and kind == "global" else ""
        _say(f"  {stage.name:<10} {kind:<8} {tasks}{note} → {run_dir.stage_dir(stage.name)}")
    _say("outputs:")
    _say(f"  {run_dir.record}  rejected: {run_dir.root / 'rejected'}")
    if any(s.cls.writes_parts is False for s in pipeline.stages):
        _say(f"  {run_dir.shards}  {run_dir.reports}")


def _done(run_dir: RunDir, pipeline: Pipeline, index: int) -> bool:
    return run_dir.marker(pipeline.stages[0].name, task_name(index)).exists()


def print_paths_plan(title: str, rows: list[tuple[str, Path | str]]) -> None:
    """A plan of named paths (export, crawl): one `name: path` line each."""
    _say(title)
    for name, path in rows:
        _say(f"  {name:<12} {path}")
