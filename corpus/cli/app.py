"""The `leam` command: wires the command groups; known errors print one line."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from leam.corpus import __version__, storage
from leam.corpus.cli import (
    audit_cmds,
    consoles,
    crawl_cmds,
    demo_cmds,
    errors,
    export_cmds,
    manifest_cmds,
    optout_cmds,
    report_cmds,
    run_cmds,
    shard_cmds,
    status_cmds,
    takedown_cmds,
    tokenizer_cmds,
    train_cmds,
    verify_cmds,
)
from leam.corpus.config import ConfigError
from leam.corpus.runner import GlobalStageError
from leam.corpus.runrecord import ResumeError
from leam.filters.manifest import ManifestError
from leam.pipelines.crawl.options import CrawlConfigError
from leam.pipelines.inputs import InputError

ENGINEER = "Data engineer: pipeline and stages"
RUNS = "Runs"
REVIEWER = "Governance reviewer"
TRAINER = "Trainer"

app = typer.Typer(
    name="leam",
    help="LEAM Corpus: web data → training data for European language models.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"leam {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    storage_option: Annotated[
        list[str] | None,
        typer.Option(
            "--storage-option",
            help="KEY=VALUE for the filesystem of a --runs-dir URL (repeatable), e.g. "
            "endpoint_url=http://10.0.0.5:9000 for an S3-compatible store. Passed to the "
            "workers with their tasks, never written into the run.",
        ),
    ] = None,
) -> None:
    """LEAM Corpus: web data → training data for European language models."""
    try:
        storage.set_options(storage.parse_options(storage_option or []))
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--storage-option") from None


app.command(rich_help_panel=ENGINEER)(crawl_cmds.crawl)
app.command(rich_help_panel=ENGINEER)(crawl_cmds.ingest)
app.command(rich_help_panel=ENGINEER)(run_cmds.run)
app.command(rich_help_panel=ENGINEER)(run_cmds.extract)
app.command(rich_help_panel=ENGINEER)(run_cmds.langid)
app.command("filter", rich_help_panel=ENGINEER)(run_cmds.filter_docs)
app.command(rich_help_panel=ENGINEER)(run_cmds.dedup)
app.command(rich_help_panel=ENGINEER)(shard_cmds.shard)
app.command(rich_help_panel=ENGINEER)(demo_cmds.demo)
app.command(rich_help_panel=RUNS)(status_cmds.status)
app.command(rich_help_panel=RUNS)(status_cmds.presets)
app.add_typer(manifest_cmds.app, name="manifests", rich_help_panel=REVIEWER)
app.command(rich_help_panel=REVIEWER)(audit_cmds.audit)
app.add_typer(report_cmds.app, name="report", rich_help_panel=REVIEWER)
app.add_typer(takedown_cmds.app, name="takedown", rich_help_panel=REVIEWER)
app.add_typer(optout_cmds.app, name="optouts", rich_help_panel=REVIEWER)
app.command(rich_help_panel=TRAINER)(verify_cmds.verify)
app.add_typer(tokenizer_cmds.app, name="tokenizer", rich_help_panel=TRAINER)
app.add_typer(export_cmds.app, name="export", rich_help_panel=TRAINER)
app.command(rich_help_panel=TRAINER)(export_cmds.lineage)
app.command(rich_help_panel=TRAINER, context_settings=train_cmds.TRAIN_SETTINGS)(train_cmds.train)

KNOWN_ERRORS = (
    ConfigError,
    ResumeError,
    GlobalStageError,
    ManifestError,
    CrawlConfigError,
    InputError,
    OSError,  # a runs dir that is a file or cannot be written, a full disk: the user's to fix
)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        consoles.stderr().print(errors.INTERRUPTED)
        sys.exit(130)
    except KNOWN_ERRORS as err:
        errors.show(err)
        if not os.environ.get("LEAM_DEBUG"):
            consoles.stderr().print("(set LEAM_DEBUG=1 for the traceback)", style="dim")
        else:
            raise
        sys.exit(2)
