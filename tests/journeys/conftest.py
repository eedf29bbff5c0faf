"""The data engineer's path from the README, walked once per test session through the CLI:
crawl a local multilingual site, run the printed `next:` command, crawl more, run it again.
The three users' tests read what it leaves (runs/web-1) and the results of each step."""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.journeys.cli import Result, leam

RUN = "web-1"
# Polite but quick on a local server; few pages first, then the rest of the site.
CRAWL = ("--allow-private", "--delay", "0.01", "--max-depth", "1", "--run-id", RUN, "-q")
FIRST_PAGES, ALL_PAGES = "30", "120"


@dataclass
class Walk:
    root: Path  # the folder the user works in (runs/ is under it)
    steps: dict[str, Result] = field(default_factory=dict)
    seeds: list[str] = field(default_factory=list)  # `--url URL` pairs of the crawls

    @property
    def run_dir(self) -> Path:
        return self.root / "runs" / RUN


def next_command(result: Result) -> list[str]:
    """The arguments of the `next: leam ...` line a crawl prints."""
    lines = [ln for ln in result.err.splitlines() if ln.startswith("next: leam ")]
    assert len(lines) == 1, str(result)
    return shlex.split(lines[0].removeprefix("next: leam "))


@pytest.fixture(scope="session")
def walk(ray_local, tmp_path_factory) -> Iterator[Walk]:
    """The walk; the site stays up for the session, so that a test can crawl on."""
    from leam.pipelines.crawl.demosite import RESERVED_PAGES, DemoSite

    w = Walk(tmp_path_factory.mktemp("journey"))
    started = time.monotonic()
    with DemoSite() as site:
        # The home pages, and two pages whose response reserves them (a TDM header, noai):
        # extract leaves those out, and the AI Act summary must count them.
        urls = [*site.seeds, site.server.url(2, RESERVED_PAGES[2]),
                site.server.url(3, RESERVED_PAGES[3])]  # fmt: skip
        w.seeds = [a for url in urls for a in ("--url", url)]
        for step, pages in (("crawl", FIRST_PAGES), ("crawl more", ALL_PAGES)):
            w.steps[step] = leam("crawl", *w.seeds, *CRAWL, "--max-pages", pages, cwd=w.root)
            assert w.steps[step].code == 0, str(w.steps[step])
            run = "run" if step == "crawl" else "run again"
            w.steps[run] = leam(*next_command(w.steps[step]), "-q", cwd=w.root)
            assert w.steps[run].code == 0, str(w.steps[run])
        print(f"journey walked in {time.monotonic() - started:.1f} s")
        yield w
