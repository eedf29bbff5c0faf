"""`leam audit RUN`: the governance reviewer's report on what a run's filters did."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leam.corpus.cli import consoles, options

out = consoles.stdout()


def audit(
    run: options.Run,
    runs_dir: options.RunsDir = "runs",
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
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            metavar="OTHER_RUN",
            help="Another run (id or path) to compare with: what changed per filter and "
            "language, and the manifest diffs.",
        ),
    ] = None,
    flag_points: Annotated[
        float,
        typer.Option(
            min=0,
            help="Flag a language whose removal rate at a step differs from the EU median "
            "by more than this many percentage points.",
        ),
    ] = 10.0,
    borderline: Annotated[
        int,
        typer.Option(min=0, help="Kept documents just inside a threshold, shown per filter."),
    ] = 3,
) -> None:
    """Write a run's audit report: one self-contained HTML file and a Markdown twin.

    First an overview: headline figures, the language that lost most and where, flags
    where a language's removal rate departs from the EU median, a per-language funnel
    and a heat map of removal rates by step and language. Then, per filter (collapsed):
    documents in and removed by language, the signals' distributions with thresholds,
    samples of removed documents with what triggered the filter marked, and borderline
    kept documents; the manifests in force with their sha256; a reconciliation line per
    stage. With --compare, what changed against another run.
    """
    # Imported here, as in the other command modules: they load pyarrow.dataset and pandas,
    # and every `leam` call (`--help` too) would pay for them.
    from leam.corpus.audit import overview
    from leam.corpus.audit.collect import collect
    from leam.corpus.audit.compare import compare as compare_runs
    from leam.corpus.audit.report_html import render_html
    from leam.corpus.audit.report_md import render_markdown

    run_dir = options.run_dir(run, runs_dir, everything=True)  # samples come from the parts
    report = collect(run_dir, samples_per_filter=samples, seed=seed, borderline=borderline)
    view = overview.build(report, flag_points)
    comparison = None
    if compare is not None:
        other = collect(options.run_dir(compare, runs_dir), samples_per_filter=0, borderline=0)
        comparison = compare_runs(report, view, other, overview.build(other, flag_points))
    html_path = output or run_dir.root / "audit.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_html(report, view, comparison), encoding="utf-8")
    md_path = html_path.with_suffix(".md")
    md_path.write_text(render_markdown(report, view, comparison), encoding="utf-8")
    if output is None:  # into the run, wherever it is
        run_dir.upload(html_path, md_path)
    for r in report.reconciliation:
        mark = "[green]ok[/]" if r["reconciled"] else "[red]does not reconcile[/]"
        out.print(f"{r['stage']}: kept {r['out']} + removed {r['rejected']} = {r['in']} {mark}")
    if not report.filters:
        out.print("this run has no filter stage: the report holds the reconciliation only")
    for f in view.flags:
        out.print(
            f"[yellow]flag[/] {f.lang} at {f.step}: {f.rate:.1f} % removed, {f.diff:+.1f} points "
            f"from the EU median"
        )
    size = html_path.stat().st_size
    where = f" ({run_dir.locate(html_path)})" if run_dir.remote and output is None else ""
    out.print(f"wrote {html_path} ({size / 1024:.0f} KiB) and {md_path}{where}")
