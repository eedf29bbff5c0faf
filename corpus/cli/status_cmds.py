"""`leam status` and `leam presets`: read what runs and presets hold."""

from __future__ import annotations

from typing import Annotated

import typer

from leam.corpus import runrecord
from leam.corpus.cli import consoles, options, plain, tables
from leam.corpus.damage import damaged_spans
from leam.corpus.rundir import read_json

out = consoles.stdout()


def status(
    run: options.Run,
    runs_dir: options.RunsDir = "runs",
    as_json: Annotated[bool, typer.Option("--json", help="Print run.json as it is.")] = False,
) -> None:
    """Show a run's record: per stage tasks, documents in/out/rejected, CPU and wall time;
    for a sharded run also documents, words, bytes, shards and top domain per language;
    failed tasks, and damaged input files with their damaged spans (offset, reason, bytes)."""
    run_dir = options.run_dir(run, runs_dir)
    record = runrecord.load(run_dir)
    record["status"] = runrecord.shown_status(record)
    if as_json:
        plain.write_json(record)
        return
    if "crawl" in record:
        from leam.corpus.cli.crawl_cmds import crawl_table

        out.print(crawl_table(record))
    out.print(tables.stage_table(record))
    if record["stages"]:
        out.print(tables.language_table(record))
    stats = run_dir.stats
    if stats.exists():  # a sharded run: what it published, per language
        out.print(tables.shards_table(read_json(stats)))
    for line in tables.failures(record):
        out.print(f"[red]failed[/] {line}", soft_wrap=True, highlight=False)
    for line in tables.damage_lines(record, damaged_spans(run_dir)):
        out.print(f"[yellow]damaged input[/] {line}", soft_wrap=True, highlight=False)


def presets(
    name: Annotated[str | None, typer.Argument(help="Show this preset, resolved.")] = None,
    as_json: options.Json = False,
) -> None:
    """List the bundled pipeline presets, or show one with every parameter resolved."""
    from leam.pipelines.presets import load_pipeline, preset_names

    if as_json:
        plain.write_json(
            load_pipeline(name).resolved()
            if name
            else [{"name": p, "description": load_pipeline(p).description} for p in preset_names()]
        )
        return
    if name is None:
        for preset in preset_names():
            plain.write(f"{preset:<8} {load_pipeline(preset).description}")
        return
    plain.write_yaml(load_pipeline(name).resolved())
