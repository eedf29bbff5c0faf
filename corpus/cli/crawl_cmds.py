"""`leam crawl` (a polite crawl into WARC + crawl log) and `leam ingest` (existing dumps)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leam.corpus import storage
from leam.corpus.cli import consoles, options, plans
from leam.corpus.cli.errors import fail, interrupted
from leam.corpus.cli.run_cmds import execute
from leam.corpus.progress import PipelineProgress
from leam.corpus.rundir import RunDir
from leam.corpus.runtime import Runtime, RuntimeOptions
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.presets import load_pipeline

console = consoles.stderr()
out = consoles.stdout()
_DEFAULTS = CrawlOptions()


def crawl(
    seeds: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            show_default=False,
            help="File of seed URLs, one a line (`#` starts a comment).",
        ),
    ] = None,
    url: Annotated[list[str] | None, typer.Option("--url", help="A seed URL (repeatable).")] = None,
    sitemap: Annotated[
        list[str] | None,
        typer.Option("--sitemap", help="A sitemap (or sitemap index) URL to start from."),
    ] = None,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    max_pages: Annotated[
        int, typer.Option(min=1, help="Pages to fetch in all.")
    ] = _DEFAULTS.max_pages,
    max_depth: Annotated[
        int, typer.Option(min=0, help="Link hops from a seed.")
    ] = _DEFAULTS.max_depth,
    scope: Annotated[
        str,
        typer.Option(
            help="Follow links to the seeds' hosts (host), their registered "
            "domains (domain) or anywhere (any)."
        ),
    ] = _DEFAULTS.scope,
    include: Annotated[
        list[str] | None, typer.Option(help="Regex a URL must match (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Regex of URLs not to queue (repeatable).")
    ] = None,
    user_agent: Annotated[
        str, typer.Option(help="User-Agent header; keep a contact URL in it.")
    ] = _DEFAULTS.user_agent,
    robots_token: Annotated[
        str, typer.Option(help="Our name in robots.txt, ai.txt and X-Robots-Tag.")
    ] = _DEFAULTS.robots_token,
    delay: Annotated[
        float,
        typer.Option(
            min=0, help="Seconds between requests to one host (robots.txt Crawl-delay when larger)."
        ),
    ] = _DEFAULTS.delay_s,
    host_concurrency: Annotated[
        int, typer.Option(min=1, help="Requests in flight to one host.")
    ] = _DEFAULTS.host_concurrency,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Requests in flight per worker.")
    ] = _DEFAULTS.concurrency,
    max_bytes: Annotated[
        int, typer.Option(min=1024, help="Body size limit (decoded); longer bodies are cut.")
    ] = _DEFAULTS.max_bytes,
    timeout: Annotated[
        float, typer.Option(min=0.01, help="Seconds for one request, body included.")
    ] = _DEFAULTS.timeout_s,
    retries: Annotated[
        int, typer.Option(min=0, help="Retries on 429, 5xx, timeouts and connection errors.")
    ] = _DEFAULTS.retries,
    backoff: Annotated[
        float,
        typer.Option(
            min=0, help="First retry wait in seconds (doubles; Retry-After takes precedence)."
        ),
    ] = _DEFAULTS.backoff_s,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Allow loopback and private addresses "
            "(a local test site). Link-local and multicast stay refused.",
        ),
    ] = False,
    quiet: options.Quiet = False,
    dry_run: options.DryRun = False,
) -> None:
    """Crawl the web politely into gzipped WARC files, with a crawl log of every decision.

    Obeys robots.txt (RFC 9309), ai.txt, TDMRep (tdmrep.json, tdm-reservation headers and
    meta) and noai. URLs reserved before fetching are not fetched; pages whose response
    reserves them are stored but marked, and extract leaves them out. Writes
    runs/<run-id>/crawl/ (warc/, policy/, log/, frontier/) and run.json; the same --run-id
    resumes. Then: leam run eu24 runs/<run-id>/crawl/warc --run-id <run-id> (printed as
    `next:`). Exit status: 0 pages fetched; 1 a partition failed (rerun to resume); 2 no
    page fetched (the reason is printed) or a usage error; 130 interrupted.
    """
    if scope not in ("host", "domain", "any"):
        raise typer.BadParameter("scope must be host, domain or any", param_hint="--scope")
    from leam.pipelines.crawl.runcrawl import read_seed_file  # aiohttp: see audit_cmds

    found = read_seed_file(seeds) if seeds else []
    opts = CrawlOptions(
        user_agent=user_agent,
        robots_token=robots_token,
        max_pages=max_pages,
        max_depth=max_depth,
        scope=scope,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        delay_s=delay,
        host_concurrency=host_concurrency,
        concurrency=concurrency,
        max_bytes=max_bytes,
        timeout_s=timeout,
        retries=retries,
        backoff_s=backoff,
        allow_private=allow_private,
    )
    run_id = run_id or options.default_run_id("crawl")
    run_dir = RunDir.at(storage.join(runs_dir, run_id))
    if dry_run:
        rows: list[tuple[str, Path | str]] = [(f"seed {i + 1}", u) for i, u in
                                              enumerate([*found, *(url or [])])]  # fmt: skip
        rows += [("sitemap", s) for s in sitemap or []]
        new = "resume" if run_dir.exists(run_dir.record) else "new"
        rows += [("run", f"{run_dir.location} ({new})"),
                 ("WARC", run_dir.crawl_warc), ("crawl log", run_dir.crawl_log),
                 ("limits", f"{max_pages} pages, depth {max_depth}, scope {scope}, "
                            f"{delay} s between requests to a host"),
                 ("addresses", "private allowed" if allow_private else "public only")]  # fmt: skip
        plans.print_paths_plan(f"crawl {run_id} (dry run: nothing is fetched)", rows)
        return
    record = crawl_into(
        run_dir, run_id, [*found, *(url or [])], sitemap or [], opts, workers, ray_address, quiet
    )
    out.print(crawl_table(record))
    if not record["crawl"]["pages_fetched"]:
        raise fail(nothing_fetched(record["crawl"]))
    console.print(f"next: {next_command(record, run_dir)}", soft_wrap=True, highlight=False)


# Refusals a user can lift with a flag, and the flag.
_REMEDIES = {
    "loopback_address": "--allow-private (a local test site)",
    "private_address": "--allow-private (a site on a private network)",
}


def nothing_fetched(crawl: dict) -> str:
    """Why a crawl fetched no page, from its decisions, and what to try."""
    decided = sorted(
        ((n, decision, signal) for decision, signals in crawl.get("by_decision", {}).items()
         for signal, n in signals.items()),
        reverse=True,
    )  # fmt: skip
    if not decided:
        return "the crawl fetched no page and decided no URL (are the seeds in scope?)"
    why = ", ".join(f"{n} {decision} ({signal})" for n, decision, signal in decided[:4])
    hints = sorted({_REMEDIES[s] for _, _, s in decided if s in _REMEDIES})
    hint = f"; to allow them: {', '.join(hints)}" if hints else ""
    return f"the crawl fetched no page: {why}{hint}"


def next_command(record: dict, run_dir: RunDir) -> str:
    """The command that runs the pipeline on what the crawl fetched: the run's own pipeline
    when one ran before (it then takes the new WARC files as new tasks), else eu24."""
    source = record.get("pipeline_source", "")
    pipeline = "eu24"
    if source.startswith("preset "):
        pipeline = source.removeprefix("preset ")
    elif source and Path(source).is_file():
        pipeline = source
    if run_dir.store is not None:  # a URL: the WARC files by glob (a prefix is no folder)
        warc = f"'{run_dir.locate(run_dir.crawl_warc)}/*.warc.gz'"
        runs = f" --runs-dir {run_dir.store.url.rsplit('/', 1)[0]}"
        return f"leam run {pipeline} {warc} --run-id {record['run_id']}{runs}"
    runs_dir = _here(run_dir.root.parent)
    runs = "" if runs_dir == Path("runs") else f" --runs-dir {runs_dir}"
    warc = _here(run_dir.crawl_warc)
    return f"leam run {pipeline} {warc} --run-id {record['run_id']}{runs}"


def _here(path: Path) -> Path:
    """The path relative to the working directory when it lies below it (shorter to read
    and to paste), else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path.resolve()


def crawl_into(
    run_dir: RunDir,
    run_id: str,
    seeds: list[str],
    sitemaps: list[str],
    opts: CrawlOptions,
    workers: int,
    ray_address: str | None,
    quiet: bool,
) -> dict:
    """Runs the crawl on the Ray runtime (started here unless one runs already, as in
    `leam demo`, which then runs the pipeline on it); exits 1 when tasks failed for good."""
    from leam.pipelines.crawl.runcrawl import run_crawl  # aiohttp: see audit_cmds

    console.print(f"crawl [bold]{run_id}[/]: {len(seeds)} seed(s) → {run_dir.location}")
    runtime = Runtime(RuntimeOptions(address=ray_address, workers=workers))
    try:
        with PipelineProgress(console, enabled=not quiet) as progress:
            record = run_crawl(run_dir, run_id, seeds, sitemaps, opts, runtime, progress)
    except KeyboardInterrupt:  # the journal keeps what was decided; the same command resumes
        raise interrupted() from None
    finally:
        runtime.shutdown()
    for failure in record["crawl"]["failures"]:
        console.print(f"[red]failed[/] partition {failure['partition']}: {failure['error']}")
    if record["crawl"]["failures"]:
        console.print("Run the same command again to resume.")
        raise typer.Exit(1)
    return record


def crawl_table(record: dict) -> Table:
    c = record["crawl"]
    rate = c["pages_fetched"] / c["last_wall_s"] if c.get("last_wall_s") else 0.0
    table = Table(title=f"crawl {record['run_id']} ({c['status']})")
    for col in ("decision", "signal", "URLs"):
        table.add_column(col, justify="left" if col != "URLs" else "right")
    if "by_decision" not in c:  # a crawl still running (or killed before its log)
        table.caption = "no figures yet: run the same `leam crawl` again to resume"
        return table
    for decision, signals in c["by_decision"].items():
        for signal, n in signals.items():
            table.add_row(decision, signal, str(n))
    table.caption = (
        f"{c['pages_fetched']} pages fetched in {c['rounds']} round(s), "
        f"{rate:.1f} pages/s; {c['urls_pending']} URL(s) still queued"
    )
    return table


def ingest(
    sources: Annotated[
        list[str],
        typer.Argument(
            show_default=False,
            help="WARC/WET dumps: folders (searched "
            "recursively), globs, files, or Common Crawl `warc.paths(.gz)` lists; "
            "local paths or fsspec URLs (http(s), s3).",
        ),
    ],
    pipeline: Annotated[str, typer.Option(help="Pipeline YAML or preset to run.")] = "eu24",
    prefix: Annotated[
        str, typer.Option(help="Base that the relative paths of a paths list are joined to.")
    ] = "https://data.commoncrawl.org/",
    limit: Annotated[
        int | None, typer.Option(min=1, help="Take only the first N files (a sample).")
    ] = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="Print the resolved input files and stop.")
    ] = False,
    optouts: Annotated[
        bool,
        typer.Option(
            help="Check each host's robots.txt, ai.txt and tdmrep.json for AI opt-outs (the "
            "stage `optouts` after extract; fetched once per host, cached across runs)."
        ),
    ] = True,
    optout_snapshot: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False,
            help="Decide from this policy snapshot (`leam optouts fetch`), not the network.",
        ),
    ] = None,
    runs_dir: options.RunsDir = "runs",
    run_id: options.RunId = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    quiet: options.Quiet = False,
) -> None:
    """Run a pipeline over existing crawl dumps (own WARCs, Common Crawl WARC/WET).

    Resolves the sources into a list of files (a `warc.paths.gz` list names thousands;
    --limit takes the first N) and runs the pipeline on them, resumable like `leam run`.
    Opt-outs archived in the responses are honoured by extract; the hosts' policy files by
    the stage `optouts`, added after extract unless --no-optouts.
    """
    from leam.pipelines.crawl.ingest import resolve_dumps  # see audit_cmds

    files = resolve_dumps(sources, prefix=prefix, limit=limit)
    if list_only:
        for path in files:
            out.print(path, highlight=False, soft_wrap=True)
        return
    console.print(f"ingest: {len(files)} file(s) from {len(sources)} source(s)")
    params = {"snapshot": str(optout_snapshot.resolve())} if optout_snapshot else {}
    chosen = load_pipeline(pipeline, params if optouts else None)
    execute(chosen, files, runs_dir, run_id, workers, ray_address, quiet)
