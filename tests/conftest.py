"""Shared fixtures: one local Ray runtime per test session, and test WARC files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.warcs import build_broken_warc, build_pages_warc, build_wet

# Set before Ray starts: a single-node Ray then binds 127.0.0.1 only.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "token")


@pytest.fixture(scope="session")
def ray_local():
    """The embedded runtime every in-process test shares (leam's Runtime reuses it)."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
    assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def warc_dir(tmp_path_factory) -> Path:
    """Three inputs: clean pages in many languages, a WARC full of broken records, a WET."""
    root = tmp_path_factory.mktemp("warcs")
    build_pages_warc(root / "a-pages.warc.gz")
    build_broken_warc(root / "b-broken.warc.gz")
    build_wet(root / "c-text.warc.wet.gz")
    return root


@pytest.fixture(scope="session")
def eu24_run(ray_local, warc_dir: Path, tmp_path_factory) -> Path:
    """`leam run eu24 --run-id t` over warc_dir, once per session: several modules read it
    (the run record, the shards and reports), none changes it."""
    from typer.testing import CliRunner

    from leam.corpus.cli.app import app
    from leam.corpus.cli.run_cmds import DAMAGED_INPUT_EXIT

    runs = tmp_path_factory.mktemp("runs")
    args = ["run", "eu24", str(warc_dir), "--runs-dir", str(runs), "--run-id", "t", "-q"]
    result = CliRunner().invoke(app, args)
    # b-broken.warc.gz holds a gzip member cut in half: the run completes, says so, exits 3
    assert result.exit_code == DAMAGED_INPUT_EXIT, result.output
    assert "b-broken.warc.gz" in result.output and "damaged span" in result.output
    return runs / "t"


@pytest.fixture(scope="session")
def filter_run(ray_local, tmp_path_factory) -> Path:
    """A run through six filters (tests/audit_run.py), and beside it (runs/<id>-v2) the same
    input with gopher_quality's min_words raised: what `leam audit --compare` compares."""
    from tests.audit_run import make_run

    root = tmp_path_factory.mktemp("filter-run")
    make_run(root, "f-v2", min_words=100)
    return make_run(root, "f")
