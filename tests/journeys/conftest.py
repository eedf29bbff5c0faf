"""The data engineer's path from the README, walked once per test session through the CLI:
crawl a local multilingual site, run the printed `next:` command, crawl more, run it again.
The three users' tests read what it leaves (runs/web-1) and the results of each step."""

from __future__ import annotations

import shlex
import time
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

    @property
    def run_dir(self) -> Path:
        return self.root / "runs" / RUN


def next_command(result: Result) -> list[str]:
    """The arguments of the `next: leam ...` line a crawl prints."""
    lines = [ln for ln in result.err.splitlines() if ln.startswith("next: leam ")]
    assert len(lines) == 1, str(result)
    return shlex.split(lines[0].removeprefix("next: leam "))


@pytest.fixture(scope="session")
def walk(ray_local, tmp_path_factory) -> Walk:
    from leam.pipelines.crawl.demosite import DemoSite

    w = Walk(tmp_path_factory.mktemp("journey"))
    started = time.monotonic()
    with DemoSite() as site:
        seeds = [a for url in site.seeds for a in ("--url", url)]
        w.steps["crawl"] = leam("crawl", *seeds, *CRAWL, "--max-pages", FIRST_PAGES, cwd=w.root)
        assert w.steps["crawl"].code == 0, str(w.steps["crawl"])
        w.steps["run"] = leam(*next_command(w.steps["crawl"]), "-q", cwd=w.root)
        assert w.steps["run"].code == 0, str(w.steps["run"])
        w.steps["crawl more"] = leam("crawl", *seeds, *CRAWL, "--max-pages", ALL_PAGES,
                                     cwd=w.root)  # fmt: skip
    assert w.steps["crawl more"].code == 0, str(w.steps["crawl more"])
    w.steps["run again"] = leam(*next_command(w.steps["crawl more"]), "-q", cwd=w.root)
    assert w.steps["run again"].code == 0, str(w.steps["run again"])
    print(f"journey walked in {time.monotonic() - started:.1f} s")
    return w
