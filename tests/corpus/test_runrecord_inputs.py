"""What a run does with the inputs it is given again: known ones first, in their order (their
parts keep their names), new ones after; fewer or changed ones refused with what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leam.corpus.rundir import RunDir
from leam.corpus.runrecord import ResumeError, restart, resumed_inputs


def _run(tmp_path: Path, names: list[str]) -> tuple[RunDir, list[str]]:
    files = []
    for name in ["a", "b", "c", "d"]:
        (tmp_path / f"{name}.warc.gz").write_bytes(name.encode() * 10)
        files.append(str(tmp_path / f"{name}.warc.gz"))
    run_dir = RunDir(tmp_path / "runs" / "r")
    run_dir.root.mkdir(parents=True)
    inputs = [{"path": str(tmp_path / f"{n}.warc.gz"), "bytes": 10} for n in names]
    run_dir.record.write_text(json.dumps({"run_id": "r", "pipeline_sha256": "x",
                                          "inputs": inputs}))  # fmt: skip
    return run_dir, files


def test_new_inputs_come_after_the_known_ones_whatever_their_names(tmp_path: Path):
    run_dir, (a, b, c, d) = _run(tmp_path, ["a", "c"])
    assert resumed_inputs(run_dir, [a, b, c, d]) == ([a, c, b, d], 2)
    assert resumed_inputs(run_dir, [c, a]) == ([a, c], 0)


def test_fewer_or_changed_inputs_are_refused_with_what_to_do(tmp_path: Path):
    run_dir, (a, b, c, _) = _run(tmp_path, ["a", "c"])
    with pytest.raises(
        ResumeError, match=r"1 input\(s\) it started from are not given now.*--restart"
    ):
        resumed_inputs(run_dir, [a, b])
    Path(c).write_bytes(b"longer than before")
    with pytest.raises(ResumeError, match="changed since"):
        resumed_inputs(run_dir, [a, c])


def test_restart_keeps_the_crawl_only(tmp_path: Path):
    run_dir, _ = _run(tmp_path, ["a"])
    record = json.loads(run_dir.record.read_text())
    record.update(created="t0", crawl={"status": "complete"}, stages={"extract": {}})
    run_dir.record.write_text(json.dumps(record))
    (run_dir.root / "crawl" / "warc").mkdir(parents=True)
    (run_dir.root / "extract").mkdir()
    restart(run_dir)
    assert sorted(p.name for p in run_dir.root.iterdir()) == ["crawl", "run.json"]
    kept = json.loads(run_dir.record.read_text())
    assert kept["crawl"] == {"status": "complete"} and "pipeline_sha256" not in kept
