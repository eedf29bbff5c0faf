"""The `leam` command: wires the command groups; known errors print one line."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from leam.corpus.cli import (
    audit_cmds,
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

ENGINEER = "Data engineer: pipeline and stages"
RUNS = "Runs"
REVIEWER = "Governance reviewer"
TRAINER = "Trainer"

app = typer.Typer(
    name="leam",
    help="LEAM Corpus: web data → training data for European language models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
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
    FileNotFoundError,
)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted: run the same command again to resume")
        sys.exit(130)
    except KNOWN_ERRORS as err:
        errors.show(err)
        if not os.environ.get("LEAM_DEBUG"):
            Console(stderr=True).print("(set LEAM_DEBUG=1 for the traceback)", style="dim")
        else:
            raise
        sys.exit(2)
