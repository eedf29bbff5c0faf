"""`leam audit RUN`: the governance reviewer's report on what a run's filters did."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leam.corpus.cli import consoles, options

out = consoles.stdout()


def audit(
    run: options.Run,
    runs_dir: options.RunsDir = Path("runs"),
    output: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Report path (.html; a .md twin is written beside it). Default: <run>/audit.html.",
        ),
    ] = None,
    samples: Annotated[int, typer.Option(help="Removed documents shown per filter.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the random sample.")] = 0,
) -> None:
    """Write a run's audit report: one self-contained HTML file and a Markdown twin.

    Per filter and language: documents in, removed and %; charts of removal rates and of
    signal distributions with the thresholds drawn; a random sample of removed documents;
    the manifests in force with their sha256; a reconciliation line per stage.
    """
    # Imported here, as in the other command modules: they load pyarrow.dataset and pandas,
    # and every `leam` call (`--help` too) would pay for them.
    from leam.corpus.audit.collect import collect
    from leam.corpus.audit.report_html import render_html
    from leam.corpus.audit.report_md import render_markdown

    run_dir = options.run_dir(run, runs_dir)
    report = collect(run_dir, samples_per_filter=samples, seed=seed)
    html_path = output or run_dir.root / "audit.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_html(report), encoding="utf-8")
    md_path = html_path.with_suffix(".md")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    for r in report.reconciliation:
        mark = "[green]ok[/]" if r["reconciled"] else "[red]does not reconcile[/]"
        out.print(f"{r['stage']}: kept {r['out']} + removed {r['rejected']} = {r['in']} {mark}")
    if not report.filters:
        out.print("this run has no filter stage: the report holds the reconciliation only")
    out.print(f"wrote {html_path} and {md_path}")
