"""`leam run` and the single-stage commands (`extract`, `langid`, `filter`, `dedup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leam.corpus import runrecord, storage
from leam.corpus.cli import consoles, options, plans, tables
from leam.corpus.cli.errors import fail, interrupted
from leam.corpus.config import Pipeline, with_params
from leam.corpus.progress import PipelineProgress
from leam.corpus.publish.outputs import publish_complete_run
from leam.corpus.rundir import RunDir
from leam.corpus.runner import run_pipeline
from leam.corpus.runtime import Runtime, RuntimeOptions
from leam.pipelines.inputs import check_warc_inputs, expand_inputs
from leam.pipelines.presets import load_pipeline
from leam.pipelines.registry import stage_class

console = consoles.stderr()
out = consoles.stdout()

Inputs = Annotated[
    list[str],
    typer.Argument(
        help="Input files, folders or globs: WARC/WET (gzip or not) for a pipeline that starts "
        "with extract, Parquet parts for one that starts later. Local paths or fsspec URLs.",
        show_default=False,
    ),
]


# Exit status of a run that completed but skipped damaged spans of its input (1: a task
# failed for good): scripts can tell a complete corpus from one with known losses.
DAMAGED_INPUT_EXIT = 3


def execute(
    pipeline: Pipeline,
    inputs: list[str],
    runs_dir: str | Path,
    run_id: str | None,
    workers: int,
    ray_address: str | None,
    quiet: bool,
    watts_per_core: float = runrecord.DEFAULT_WATTS_PER_CORE,
    dry_run: bool = False,
    restart: bool = False,
) -> dict:
    """Run or resume a pipeline and print its summary; exit 1 if a task failed for good,
    3 if the run is complete but damaged spans of its input were skipped. `dry_run` prints
    the plan instead; `restart` first removes what the run computed."""
    run_id = run_id or options.default_run_id(pipeline.name)
    # First: a run dir URL's storage options then also reach inputs on the same store.
    run_dir = RunDir.at(storage.join(runs_dir, run_id))
    files = expand_inputs(inputs)
    if pipeline.stages[0].cls.reads == "warc":
        check_warc_inputs(files)
    if dry_run:
        plans.print_run_plan(pipeline, files, run_dir, restart)
        return {}
    if restart:
        runrecord.restart(run_dir)
    console.print(f"run [bold]{run_id}[/]: {len(files)} input file(s) → {run_dir.location}")
    runtime = Runtime(RuntimeOptions(address=ray_address, workers=workers))
    try:
        with PipelineProgress(console, enabled=not quiet) as progress:
            record = run_pipeline(
                pipeline, files, run_dir, run_id, runtime, progress, watts_per_core
            )
    except KeyboardInterrupt:  # run.json says "interrupted"; finished tasks are kept
        raise interrupted() from None
    finally:
        runtime.shutdown()
    try:  # a complete sharded run: the datasheet, stats and AI Act summary
        if run_dir.remote and record.get("status") == "complete":
            run_dir.pull()  # what publishing reads: ledgers, manifest, domains, crawl log
        run_dir.upload(*publish_complete_run(run_dir, record))
    except (ValueError, FileNotFoundError) as err:
        raise fail(f"publishing {run_id}: {err}") from None
    out.print(tables.stage_table(record))
    out.print(tables.language_table(record))
    damaged = tables.damage_lines(record)
    for line in damaged:
        console.print(f"[yellow]damaged input[/] {line}", soft_wrap=True, highlight=False)
    if damaged:
        console.print(f"`leam status {run_id}` lists the damaged spans; the rest was read.")
    problems = tables.failures(record)
    for line in problems:
        console.print(f"[red]failed[/] {line}", soft_wrap=True, highlight=False)
    if problems:
        console.print("Run the same command again to retry the failed tasks.")
        raise typer.Exit(1)
    if damaged:
        raise typer.Exit(DAMAGED_INPUT_EXIT)
    return record


def run(
    pipeline: Annotated[
        str, typer.Argument(help="Pipeline YAML file, or a preset name (see `leam presets`).")
    ],
    inputs: Inputs,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    lid_model: options.LidModel = None,
    quiet: options.Quiet = False,
    dry_run: options.DryRun = False,
    restart: options.Restart = False,
    watts_per_core: Annotated[
        float,
        typer.Option(
            "--watts-per-core",
            min=0,
            help="Power of one busy core, server share included, for run.json's energy "
            "estimate (CPU-seconds x watts). RAPL joules are added where readable.",
        ),
    ] = runrecord.DEFAULT_WATTS_PER_CORE,
) -> None:
    """Run a whole pipeline (or resume it) over input files.

    Writes runs/<run-id>/: one folder of Parquet parts per stage, the rejected ledger under
    rejected/<stage>/, and run.json with the resolved configuration, input checksums and
    per-stage counts. Run it again with the same --run-id to resume; inputs added since
    (a crawl that went on) become new tasks, and the global stages (dedup, shard) are redone
    over all parts. Exit status: 0 complete; 1 a task failed for good (rerun to retry);
    2 an error in the command, its inputs or the run directory; 3 complete, but damaged
    spans of the input were skipped (`leam status` lists them); 130 interrupted.
    """
    loaded = load_pipeline(pipeline)
    if lid_model is not None:
        loaded = with_params(loaded, "langid", model=lid_model)
    execute(loaded, inputs, runs_dir, run_id, workers, ray_address, quiet, watts_per_core,
            dry_run, restart)  # fmt: skip


def _single(stage: str, **params: object) -> Pipeline:
    cls = stage_class(stage)
    given = {k: v for k, v in params.items() if v is not None}
    return Pipeline.single(cls, cls.Params(**given))


def extract(
    inputs: Inputs,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    quiet: options.Quiet = False,
) -> None:
    """Extract main text (trafilatura) from WARC/WET files into Parquet documents.

    One part per input file under runs/<run-id>/extract/, each document with its provenance
    (WARC file, record offset, record id). Records that are not HTML, broken, too large or
    empty after extraction are counted and listed in rejected/extract/.
    """
    execute(_single("extract"), inputs, runs_dir, run_id, workers, ray_address, quiet)


def langid(
    inputs: Inputs,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    lid_model: options.LidModel = None,
    quiet: options.Quiet = False,
) -> None:
    """Identify the language of Parquet documents (fastText) and keep the 24 EU languages.

    Adds lang, lang_score and the top-5 alternatives. Uses the default thresholds; for the
    calibrated per-language thresholds run the `eu24` preset with `leam run`.
    """
    pipeline = _single("langid", model=lid_model)
    execute(pipeline, inputs, runs_dir, run_id, workers, ray_address, quiet)


def _filter_ref(text: str) -> str | dict[str, object]:
    """`gopher_quality@2` pins version 2; a bare id takes the bundled version."""
    ident, _, version = text.partition("@")
    return {"id": ident, "version": int(version)} if version else ident


def filter_docs(
    inputs: Inputs,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            "-f",
            help="Manifest id (optionally id@version), in the order to run; repeatable. "
            "Default: the eu24 preset's filters (`leam manifests list`).",
        ),
    ] = None,
    annotate_only: Annotated[
        bool, typer.Option(help="Record decisions and signals; remove or change nothing.")
    ] = False,
    quiet: options.Quiet = False,
) -> None:
    """Apply quality, ethics, privacy and legal filters declared in governance manifests.

    Drops go to rejected/filter/ with the filter id, manifest version, reason and signals;
    redactions are counted per category and language; run.json records each manifest's
    params and sha256. Documents need `lang` (run langid first).
    """
    chosen = [_filter_ref(f) for f in filters] if filters else None
    chosen = chosen or list(load_pipeline("eu24").stage("filter").params.filters)
    pipeline = _single("filter", filters=chosen, annotate_only=annotate_only)
    execute(pipeline, inputs, runs_dir, run_id, workers, ray_address, quiet)


def dedup(
    inputs: Inputs,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    threshold: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Jaccard similarity of near-duplicates.")
    ] = 0.8,
    previous: Annotated[
        list[Path] | None,
        typer.Option(
            "--previous",
            exists=True,
            file_okay=False,
            help="Dedup work folder of an earlier run (<run>/dedup/_work): new documents that "
            "duplicate its documents are removed. Repeatable.",
        ),
    ] = None,
    quiet: options.Quiet = False,
) -> None:
    """Remove URL, exact and near duplicates (MinHash LSH) across all input Parquet parts.

    Global over the run, per language. Keeps one document per cluster (longest text, then
    earliest crawl date, then smallest id); the others go to rejected/dedup/ with the id of
    the kept document. Kept documents carry dup_cluster and dup_cluster_size.
    """
    pipeline = _single("dedup", threshold=threshold, previous=previous or None)
    execute(pipeline, inputs, runs_dir, run_id, workers, ray_address, quiet)
