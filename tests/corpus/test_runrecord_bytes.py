"""The run record's byte accounting, shown status and restart, stated at their rules: a
stage reconciles only when documents and bytes both add up; a damaged input is reported with
its size, bytes lost and spans by reason; a run left `running` by a dead process of this
host shows as interrupted; a restart keeps the crawl and nothing else."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

from leam.corpus import runrecord
from leam.corpus.rundir import RunDir


def _marker(task: str = "part-00000", **over) -> dict:
    marker = {
        "task": task, "input": f"/in/{task}.warc.gz", "docs_in": 10, "docs_out": 7,
        "docs_rejected": 3, "cpu_s": 0.5, "input_bytes": 1000, "bytes_read": 1000,
        "bytes_skipped": 0, "out_by_lang": {"de": 7}, "rejected_by_reason": {"language": 3},
        "counters": {}, "bytes_skipped_by_reason": {}, "rejected_by_lang": {"": {"language": 3}},
    }  # fmt: skip
    marker.update(over)
    return marker


def _damaged(task: str = "part-00001") -> dict:
    return _marker(
        task, docs_in=12, docs_out=7, docs_rejected=5, bytes_read=700, bytes_skipped=300,
        rejected_by_reason={"language": 2, "bad_gzip": 2, "truncated": 1},
        bytes_skipped_by_reason={"bad_gzip": 200, "truncated": 100},
    )  # fmt: skip


def _summary(markers: list[dict]) -> dict:
    return runrecord.summarize_stage(markers, len(markers), [], 1.23456, Counter(a=1))


def test_bytes_are_summed_and_damaged_inputs_listed():
    s = _summary([_marker(), _damaged()])
    assert (s["input_bytes"], s["bytes_read"], s["bytes_skipped"]) == (2000, 1700, 300)
    assert s["bytes_skipped_by_reason"] == {"bad_gzip": 200, "truncated": 100}
    assert s["damaged_inputs"] == [{
        "task": "part-00001", "input": "/in/part-00001.warc.gz", "input_bytes": 1000,
        "bytes_skipped": 300, "ranges": 3,
        "bytes_skipped_by_reason": {"bad_gzip": 200, "truncated": 100},
    }]  # fmt: skip
    assert s["reconciled"] is True
    assert s["wall_s"] == 1.235 and s["nodes"] == {"a": 1} and s["tasks_done"] == 2


def test_a_damaged_input_without_the_newer_fields_reads_as_zero():
    old = {"task": "t", "input": "i", "bytes_skipped": 5, "rejected_by_reason": {"bad_gzip": 1}}
    assert runrecord.damaged_input(old) == {
        "task": "t", "input": "i", "input_bytes": 0, "bytes_skipped": 5, "ranges": 0,
        "bytes_skipped_by_reason": {},
    }  # fmt: skip


def test_bytes_must_add_up_exactly():
    assert _summary([_marker()])["reconciled"] is True
    assert _summary([_marker(bytes_read=999)])["reconciled"] is False  # one byte never read
    assert _summary([_marker(bytes_read=900, bytes_skipped=101)])["reconciled"] is False
    assert _summary([_marker(bytes_read=900, bytes_skipped=100)])["reconciled"] is True
    assert _summary([_marker(docs_out=6)])["reconciled"] is False  # a document lost
    parquet = _marker(input_bytes=0, bytes_read=0, bytes_skipped=0)  # a markerless-bytes task
    assert _summary([parquet])["reconciled"] is True
    old = {k: v for k, v in _marker().items() if k not in runrecord.BYTES}
    s = _summary([old])
    assert s["reconciled"] is True and s["input_bytes"] == 0 and s["damaged_inputs"] == []


def _running(pid: object, host: str | None = None) -> dict:
    return {"status": "running", "process": {"host": host or socket.gethostname(), "pid": pid}}


def test_a_run_left_running_by_a_dead_process_shows_interrupted():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert runrecord.shown_status(_running(dead.pid)) == "interrupted"
    assert runrecord.shown_status(_running(os.getpid())) == "running"
    assert runrecord.shown_status(_running(dead.pid, host="another-host")) == "running"
    assert runrecord.shown_status({**_running(dead.pid), "status": "complete"}) == "complete"
    assert runrecord.shown_status({"status": "running", "process": {}}) == "running"
    assert runrecord.shown_status(_running("not-a-pid")) == "running"
    assert runrecord.shown_status({"status": "running"}) == "running"
    assert runrecord.shown_status({}) == ""


def _computed(root: Path) -> None:
    (root / "extract").mkdir(parents=True)
    (root / "extract" / "part-00000.parquet").write_bytes(b"x")
    (root / "audit.html").write_text("x")
    (root / "crawl" / "warc").mkdir(parents=True)
    (root / "crawl" / "warc" / "a.warc.gz").write_bytes(b"w")


def test_restart_keeps_the_crawl_and_nothing_else(tmp_path: Path):
    run_dir = RunDir(tmp_path / "run")
    runrecord.restart(run_dir)  # nothing there yet: nothing to do
    _computed(run_dir.root)
    record = {"run_id": "r", "created": "c", "code_version": {"git": "g"}, "status": "complete",
              "crawl": {"status": "done", "fetched": 3}, "stages": {"extract": {}}}  # fmt: skip
    run_dir.record.write_text(json.dumps(record))
    runrecord.restart(run_dir)
    assert sorted(p.name for p in run_dir.root.iterdir()) == ["crawl", "run.json"]
    assert (run_dir.root / "crawl" / "warc" / "a.warc.gz").read_bytes() == b"w"
    kept = json.loads(run_dir.record.read_text())
    assert kept.pop("updated").endswith("+00:00")
    assert kept == {
        "run_id": "r", "created": "c", "code_version": {"git": "g"},
        "crawl": {"status": "done", "fetched": 3}, "status": "crawl done", "stages": {},
    }  # fmt: skip


def test_restart_without_a_crawl_removes_the_record_too(tmp_path: Path):
    run_dir = RunDir(tmp_path / "run")
    _computed(run_dir.root)
    run_dir.record.write_text(json.dumps({"run_id": "r", "status": "complete"}))
    runrecord.restart(run_dir)
    assert [p.name for p in run_dir.root.iterdir()] == ["crawl"]


def test_an_input_that_cannot_be_read_is_described_with_why(tmp_path: Path):
    path = tmp_path / "a.warc"
    path.write_bytes(b"abc")
    assert runrecord.describe_input(str(path)) == {
        "path": str(path), "bytes": 3,
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    }  # fmt: skip
    gone = runrecord.describe_input(str(tmp_path / "missing.warc"))
    assert gone["bytes"] is None and gone["sha256"] is None
    assert "missing.warc" in gone["error"]
