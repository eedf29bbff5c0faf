"""`leam demo`: crawl a local multilingual site, then run the eu24 preset on it."""

from __future__ import annotations

import shutil
from pathlib import Path

from leam.corpus.cli import consoles, options
from leam.corpus.cli.crawl_cmds import crawl_into, crawl_table
from leam.corpus.cli.run_cmds import execute
from leam.corpus.rundir import RunDir
from leam.corpus.runtime import Runtime, RuntimeOptions
from leam.pipelines.presets import load_pipeline

console = consoles.stderr()
out = consoles.stdout()


def demo(
    runs_dir: options.RunsDir = "runs",
    workers: options.Workers = 2,
    quiet: options.Quiet = False,
) -> None:
    """Crawl a local multilingual site, then run the eu24 preset on what it fetched.

    Serves the bundled sample pages (every language the project ships text for, EU and
    others) on 127.0.0.1 as eight sites, some pages reserved by robots.txt, ai.txt, TDMRep
    or noai; crawls them with `leam crawl` into runs/demo/crawl, then runs the `eu24` preset
    (extract, language ID, filters, dedup, shards) on the WARC files into runs/demo.
    """
    from leam.pipelines.crawl.demosite import DemoSite, demo_options

    run_dir = RunDir(Path(runs_dir) / "demo")
    shutil.rmtree(run_dir.root, ignore_errors=True)
    runtime = Runtime(RuntimeOptions(workers=workers))  # one Ray start for crawl and pipeline
    try:
        with DemoSite() as site:
            console.print(f"demo site: {site.pages} pages on {len(site.seeds)} local hosts")
            record = crawl_into(
                run_dir, "demo", site.seeds, [], demo_options(), workers, None, quiet
            )
        out.print(crawl_table(record))
        warcs = [str(run_dir.crawl_warc)]
        execute(load_pipeline("eu24"), warcs, runs_dir, "demo", workers, None, quiet)
    finally:
        runtime.shutdown()
