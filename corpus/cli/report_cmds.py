"""`leam report ai-act RUN` and `leam report datasheet RUN`: rebuild what a run publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leam.corpus import runrecord
from leam.corpus.cli import consoles, options
from leam.corpus.rundir import RunDir

out = consoles.stdout()
app = typer.Typer(
    help="Reports a run publishes: the EU AI Act training-content summary, the datasheet.",
    no_args_is_help=True,
)


def _load(run: str, runs_dir: Path) -> tuple[RunDir, dict]:
    run_dir = options.run_dir(run, runs_dir)
    return run_dir, runrecord.load(run_dir)


@app.command("ai-act")
def ai_act(
    run: options.Run,
    runs_dir: options.RunsDir = "runs",
    sme: Annotated[
        bool | None,
        typer.Option(
            "--sme/--no-sme",
            help="List the top 5 % of domains (at most 1,000), as the template allows SMEs, "
            "instead of the top 10 %. Default: the run's shard stage setting.",
        ),
    ] = None,
) -> None:
    """Write the public summary of training content (AI Act Art. 53(1)(d), the Commission's
    July 2025 template) for a sharded run: reports/ai-act.md and reports/ai-act.json.

    Filled from run.json, the shards and the crawl log (when the run has one): size band in
    tokens, languages, collection period and latest date, crawler user-agent, opt-out
    statistics per signal, the top domains by size of content, the filters in force. What
    only the provider knows is marked [TO BE FILLED IN BY THE PROVIDER: ...].
    """
    from leam.corpus.publish.outputs import shard_options, write_ai_act  # pandas: see audit_cmds

    run_dir, record = _load(run, runs_dir)
    chosen = shard_options(record).sme if sme is None else sme
    for path in write_ai_act(run_dir, record, chosen):
        run_dir.upload(path)
        out.print(f"wrote {run_dir.locate(path)}", highlight=False)


@app.command()
def datasheet(run: options.Run, runs_dir: options.RunsDir = "runs") -> None:
    """Rewrite the dataset card (shards/README.md, Hugging Face Hub front matter) and
    shards/stats.json from the run's record, e.g. after token counts were added."""
    from leam.corpus.publish.outputs import shard_options, write_datasheet  # see audit_cmds

    run_dir, record = _load(run, runs_dir)
    for path in write_datasheet(run_dir, record, shard_options(record)):
        run_dir.upload(path)
        out.print(f"wrote {run_dir.locate(path)}", highlight=False)
