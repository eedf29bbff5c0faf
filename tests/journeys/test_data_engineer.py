"""The data engineer's journey (README: "A short tour of the CLI"), through the CLI as a
person runs it: crawl, run what the crawl says to run next, crawl more, run again, check,
resume after Ctrl-C; and the mistakes a new user makes, each answered in one line."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import time
from pathlib import Path

from tests.journeys.cli import assert_one_line_error, leam, leam_subprocess
from tests.journeys.conftest import RUN, Walk, next_command


def record(walk: Walk) -> dict:
    return json.loads((walk.run_dir / "run.json").read_text())


def test_the_crawl_says_what_to_run_next_and_that_command_works(walk: Walk):
    assert next_command(walk.steps["crawl"]) == ["run", "eu24", f"runs/{RUN}/crawl/warc",
                                                 "--run-id", RUN]  # fmt: skip
    assert "run web-1 (complete)" in walk.steps["run"].out


def test_more_crawled_files_join_the_run_as_new_tasks(walk: Walk):
    """Crawl, run, crawl more, run the same command: the new WARC files become new tasks;
    dedup and shard are redone over all parts, and the published shards check out."""
    assert next_command(walk.steps["crawl more"]) == next_command(walk.steps["crawl"])
    rec = record(walk)
    assert rec["status"] == "complete" and rec["inputs_added"][0]["files"] > 0
    warcs = sorted((walk.run_dir / "crawl" / "warc").glob("*.warc.gz"))
    assert [Path(i["path"]).name for i in rec["inputs"]] != [] and len(rec["inputs"]) == len(warcs)
    stages = rec["stages"]
    assert stages["extract"]["tasks_done"] == stages["shard"]["tasks_done"] == len(warcs)
    assert all(s["reconciled"] for s in stages.values())
    # dedup saw every part's documents, not only the new ones
    assert stages["dedup"]["docs_in"] == stages["filter"]["docs_out"]
    verify = leam("verify", walk.run_dir, "--json", cwd=walk.root)
    assert verify.code == 0 and json.loads(verify.out)["ok"], str(verify)


def test_a_rerun_of_a_finished_run_changes_no_figure(walk: Walk):
    before = record(walk)
    again = leam("run", "eu24", walk.run_dir / "crawl" / "warc", "--run-id", RUN, "-q",
                 cwd=walk.root)  # fmt: skip
    assert again.code == 0, str(again)
    after = record(walk)
    for name, stage in before["stages"].items():
        assert after["stages"][name]["wall_s"] == stage["wall_s"], name
        assert after["stages"][name]["docs_out"] == stage["docs_out"], name


def test_status_dry_run_json_and_version(walk: Walk):
    status = leam("status", RUN, cwd=walk.root)
    assert status.code == 0 and f"run {RUN} (complete)" in status.out
    # not a terminal: tables keep their cells whole instead of cutting them at 80 columns
    assert "…" not in status.out and max(map(len, status.lines)) > 80
    plan = leam("run", "eu24", f"runs/{RUN}/crawl/warc", "--run-id", RUN, "--dry-run",
                cwd=walk.root)  # fmt: skip
    assert plan.code == 0 and f"run {RUN}" in plan.out and ": resume, pipeline eu24" in plan.out
    assert "todo" not in plan.out and "new " not in plan.out  # every input done
    presets = leam("presets", "--json")
    assert "eu24" in [p["name"] for p in json.loads(presets.out)]
    version = leam("--version")
    assert version.code == 0 and version.out.startswith("leam ")


def test_a_crawl_that_fetches_nothing_says_why_and_fails(walk: Walk, tmp_path: Path):
    from leam.pipelines.crawl.demosite import DemoSite

    with DemoSite() as site:
        result = leam("crawl", "--url", site.seeds[0], "--run-id", "refused", "-q", cwd=tmp_path)
    assert_one_line_error(result, "fetched no page", "loopback_address", "--allow-private")


def test_files_that_are_not_warc_are_refused_by_name(walk: Walk, tmp_path: Path):
    (tmp_path / "notes.txt").write_text("some text\n")
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"some text\n"))
    shard = next((walk.run_dir / "shards").glob("*/part-*.parquet"))
    result = leam("run", "eu24", "notes.txt", "notes.txt.gz", shard, "--run-id", "x",
                  cwd=tmp_path)  # fmt: skip
    assert_one_line_error(result, "notes.txt:", "notes.txt.gz:", "Parquet", str(shard))
    assert not (tmp_path / "runs" / "x").exists()


def test_a_runs_dir_that_cannot_be_used_is_one_line(walk: Walk, tmp_path: Path):
    warc = walk.run_dir / "crawl" / "warc"
    (tmp_path / "afile").write_text("")
    result = leam("run", "eu24", warc, "--runs-dir", "afile", "--run-id", "x", "-q",
                  cwd=tmp_path)  # fmt: skip
    assert_one_line_error(result, "afile", "Not a directory")
    result = leam("run", "eu24", warc, "--runs-dir", "/sys/leam-runs", "--run-id", "x", "-q",
                  cwd=tmp_path)  # fmt: skip
    assert_one_line_error(result, "/sys/leam-runs", "not permitted")


def test_other_inputs_for_an_existing_run_say_what_to_do(walk: Walk):
    one = sorted((walk.run_dir / "crawl" / "warc").glob("*.warc.gz"))[0]
    result = leam("run", "eu24", one, "--run-id", RUN, "--dry-run", cwd=walk.root)
    assert_one_line_error(result, "--restart", "--run-id")
    plan = leam("run", "eu24", one, "--run-id", RUN, "--dry-run", "--restart", cwd=walk.root)
    assert plan.code == 0 and "new run (restart)" in plan.out and "inputs (1):" in plan.out


def test_ctrl_c_leaves_an_interrupted_run_that_resumes(walk: Walk, ray_local, tmp_path: Path):
    """Ctrl-C: "interrupted; rerun the same command to resume", status says interrupted and
    shows the finished tasks, the same command completes the run. The command runs in a
    process of its own (a terminal's Ctrl-C), joined to the test session's Ray cluster so
    that it does not start one."""
    warcs = walk.run_dir / "crawl" / "warc"
    args = ("run", "eu24", warcs, "--run-id", "k", "--workers", "1", "-q")
    address = ray_local.get_runtime_context().gcs_address
    proc = leam_subprocess(*args, "--ray-address", address, cwd=tmp_path)
    extract = tmp_path / "runs" / "k" / "extract"
    deadline = time.monotonic() + 120
    while not list(extract.glob("_DONE.*")) and proc.poll() is None:
        assert time.monotonic() < deadline, "no extract task finished in 120 s"
        time.sleep(0.05)
    # A terminal's Ctrl-C, pressed again if the command has not stopped 20 s later (on a
    # loaded machine a press can come while the driver is inside a Ray call)
    while True:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
            break
        except subprocess.TimeoutExpired:
            assert time.monotonic() < deadline + 120, "the run did not stop after Ctrl-C"
    assert proc.returncode == 130, err
    assert "interrupted; rerun the same command to resume" in err and "Traceback" not in err
    status = leam("status", "k", cwd=tmp_path)
    assert "run k (interrupted)" in status.out, str(status)
    rec = json.loads((tmp_path / "runs" / "k" / "run.json").read_text())
    assert rec["status"] == "interrupted" and rec["stages"]["extract"]["tasks_done"] >= 1
    resumed = leam(*args, cwd=tmp_path)
    assert resumed.code == 0, str(resumed)
    assert json.loads((tmp_path / "runs" / "k" / "run.json").read_text())["status"] == "complete"
