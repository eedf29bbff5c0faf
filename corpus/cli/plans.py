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
    run_dir.fetch(run_dir.record, missing_ok=True)  # a run on a store: its record, if any
    finished = set(run_dir.done_tasks(pipeline.stages[0].name))  # one listing
    if restart or not run_dir.record.exists():
        inputs, added, state = files, len(files), "new run" + (" (restart)" if restart else "")
    else:
        inputs, added = runrecord.resumed_inputs(run_dir, files)  # refuses as the run would
        state = f"resume ({added} new input(s))" if added else "resume"
    _say(f"run {run_dir.root.name} in {run_dir.location}: {state}, pipeline {pipeline.name}")
    _say(f"inputs ({len(inputs)}):")
    known = len(inputs) - added
    for i, path in enumerate(inputs):
        mark = "new " if i >= known else "done" if task_name(i) in finished else "todo"
        _say(f"  {mark}  {path}")
    _say("stages:")
    redo = bool(added) and known > 0
    for index, stage in enumerate(pipeline.stages):
        kind = stage.cls.kind
        if index == 0:
            done = sum(task_name(i) in finished for i in range(len(inputs)))
            tasks = f"{len(inputs)} task(s), {done} done"
        else:
            tasks = "one task per part of the stage before"
        note = " (redone over all parts: inputs were added)" if redo and kind == "global" else ""
        where = run_dir.locate(run_dir.stage_dir(stage.name))
        _say(f"  {stage.name:<10} {kind:<8} {tasks}{note} → {where}")
    _say("outputs:")
    rejected = run_dir.locate(run_dir.root / "rejected")
    _say(f"  {run_dir.locate(run_dir.record)}  rejected: {rejected}")
    if any(s.cls.writes_parts is False for s in pipeline.stages):
        _say(f"  {run_dir.locate(run_dir.shards)}  {run_dir.locate(run_dir.reports)}")


def print_paths_plan(title: str, rows: list[tuple[str, Path | str]]) -> None:
    """A plan of named paths (export, crawl): one `name: path` line each."""
    _say(title)
    for name, path in rows:
        _say(f"  {name:<12} {path}")
