"""run.json's stage summary and record: a stage that loses a document must not reconcile.

The summary is what a reviewer reads to trust that nothing was lost silently, so each field is
pinned here from hand-made completion markers: sums, merges by language and reason, and
`reconciled` false as soon as in != out + rejected.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from leam.corpus import runrecord
from leam.corpus.rundir import RunDir
from leam.pipelines.presets import load_pipeline


def _marker(docs_in: int, out: int, rejected: int, cpu_s: float = 0.5, **extra: Any) -> dict:
    marker = {
        "docs_in": docs_in, "docs_out": out, "docs_rejected": rejected, "cpu_s": cpu_s,
        "out_by_lang": {}, "rejected_by_reason": {}, "counters": {}, "rejected_by_lang": {},
    }  # fmt: skip
    marker.update(extra)
    return marker


def _summary(markers: list[dict], **kw: Any) -> dict:
    args = {"tasks_total": len(markers), "failures": [], "wall_s": 1.0, "nodes": Counter()}
    args.update(kw)
    return runrecord.summarize_stage(markers, **args)


def test_balanced_markers_reconcile_and_add_up():
    a = _marker(10, 7, 3, cpu_s=0.1234, out_by_lang={"fr": 4, "de": 3},
                rejected_by_reason={"language": 2, "no_text": 1}, counters={"pages": 10},
                rejected_by_lang={"fr": {"language": 2}, "und": {"no_text": 1}})
    b = _marker(5, 5, 0, cpu_s=0.2, out_by_lang={"fr": 5}, counters={"pages": 5},
                rejected_by_lang={"fr": {"language": 0}})
    s = _summary([a, b], tasks_total=3, failures=[{"task": "part-00002", "error": "x"}],
                 wall_s=2.34567, nodes=Counter({"n2": 1, "n1": 2}))
    assert s["reconciled"] is True
    assert (s["docs_in"], s["docs_out"], s["docs_rejected"]) == (15, 12, 3)
    assert s["cpu_s"] == 0.323  # rounded to 3 places after summing
    assert s["out_by_lang"] == {"de": 3, "fr": 9}
    assert list(s["out_by_lang"]) == ["de", "fr"]  # sorted, so run.json diffs stay small
    assert s["rejected_by_reason"] == {"language": 2, "no_text": 1}
    assert s["counters"] == {"pages": 15}
    assert s["rejected_by_lang"] == {"fr": {"language": 2}, "und": {"no_text": 1}}
    assert list(s["rejected_by_lang"]) == ["fr", "und"]
    assert s["tasks_total"] == 3 and s["tasks_done"] == 2
    assert s["tasks_failed"] == [{"task": "part-00002", "error": "x"}]
    assert s["wall_s"] == 2.346
    assert s["nodes"] == {"n1": 2, "n2": 1} and list(s["nodes"]) == ["n1", "n2"]


@pytest.mark.parametrize(
    "marker",
    [
        _marker(10, 9, 0),  # a document lost: neither kept nor in the ledger
        _marker(10, 10, 1),  # a document counted twice
        _marker(10, 0, 9),
    ],
)
def test_a_stage_that_loses_or_invents_a_document_does_not_reconcile(marker: dict):
    assert _summary([_marker(3, 2, 1), marker])["reconciled"] is False


def test_no_markers_is_an_empty_reconciled_stage():
    s = _summary([], tasks_total=2)
    assert s["reconciled"] is True and s["tasks_done"] == 0
    assert s["docs_in"] == s["docs_out"] == s["docs_rejected"] == 0
    assert s["out_by_lang"] == {} and s["rejected_by_lang"] == {}


def test_describe_input_hashes_every_chunk(tmp_path: Path):
    data = b"x" * ((1 << 20) + 17)  # more than one read chunk
    path = tmp_path / "in.warc.gz"
    path.write_bytes(data)
    assert runrecord.describe_input(str(path)) == {
        "path": str(path), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
    }  # fmt: skip


def test_code_version_names_the_package_and_the_checkouts_commit():
    version = runrecord.code_version()
    assert set(version) == {"leam", "git_commit"}
    assert version["leam"] == runrecord.__version__
    root = Path(runrecord.__file__).resolve().parent.parent
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=False)
    expected = head.stdout.strip() if head.returncode == 0 else None  # None: not a checkout
    assert version["git_commit"] == expected


def test_energy_figures_are_rounded_as_documented():
    record = {"stages": {"a": {"cpu_s": 1234.5678}, "b": {"cpu_s": 0.00012}}}
    runrecord.add_energy(record, watts_per_core=10.0, rapl_j=40.04)
    assert record["stages"]["a"]["energy_j"] == 12345.7
    assert record["stages"]["b"]["energy_j"] == 0.0
    energy = record["energy"]
    assert energy["cpu_s"] == 1234.568
    assert energy["estimate_j"] == 12345.7
    assert energy["estimate_kwh"] == 0.003429
    assert energy["rapl_j"] == 40.0
    assert energy["basis"] == "task CPU-seconds x watts per core (Ray's own processes not counted)"
    big = {"stages": {"a": {"cpu_s": 3.6e8}}}
    runrecord.add_energy(big, watts_per_core=10.0)
    assert big["energy"]["estimate_kwh"] == 1000.0  # 3.6e9 J: 3.6 MJ per kWh


def test_rapl_delta_sums_zones_and_unwraps_only_a_counter_that_went_back(tmp_path: Path):
    for zone in ("intel-rapl:0", "intel-rapl:1"):
        (tmp_path / zone).mkdir()
        (tmp_path / zone / "max_energy_range_uj").write_text("100000000\n")  # 100 J
    start = {"intel-rapl:0": 10.0, "intel-rapl:1": 20.0}
    assert runrecord.rapl_delta(start, dict(start), tmp_path) == 0.0  # no change: no wrap
    end = {"intel-rapl:0": 10.5, "intel-rapl:1": 23.0}
    assert runrecord.rapl_delta(start, end, tmp_path) == pytest.approx(3.5)
    wrapped = {"intel-rapl:0": 1.0, "intel-rapl:1": 20.0}
    assert runrecord.rapl_delta(start, wrapped, tmp_path) == pytest.approx(91.0)


def test_open_record_new_then_resumed_then_refused(tmp_path: Path):
    pipeline = load_pipeline("eu24")
    inp = tmp_path / "a.warc"
    inp.write_bytes(b"abc")
    run_dir = RunDir(tmp_path / "run")
    run_dir.root.mkdir()
    record = runrecord.open_record(run_dir, "r1", pipeline, [str(inp)], {"workers": 1})
    on_disk = json.loads(run_dir.record.read_text())
    assert on_disk == record
    assert record["run_id"] == "r1" and record["status"] == "running"
    assert record["resumed"] == 0 and record["stages"] == {}
    assert record["runtime"] == {"workers": 1}
    assert record["pipeline"] == pipeline.resolved()
    assert record["pipeline_source"] == pipeline.source
    assert record["pipeline_sha256"] == pipeline.sha256()
    assert record["inputs"] == [runrecord.describe_input(str(inp))]
    assert record["code_version"] == runrecord.code_version()
    assert record["created"] and record["updated"]
    assert runrecord.load(run_dir) == record

    record["status"] = "done"
    runrecord.save(run_dir, record)
    again = runrecord.open_record(run_dir, "other-id", pipeline, [str(inp)], {"workers": 2})
    assert again["run_id"] == "r1" and again["resumed"] == 1
    assert again["status"] == "running" and again["runtime"] == {"workers": 2}
    assert again["created"] == record["created"]
    third = runrecord.open_record(run_dir, "r1", pipeline, [str(inp)], {})
    assert third["resumed"] == 2
    assert record["created"].endswith("+00:00") and third["updated"].endswith("+00:00")

    # more inputs (a crawl that went on): the known ones first, the new one recorded as added
    more = tmp_path / "b.warc"
    more.write_bytes(b"defg")
    given, new = runrecord.resumed_inputs(run_dir, [str(more), str(inp)])
    assert (given, new) == ([str(inp), str(more)], 1)
    fourth = runrecord.open_record(run_dir, "r1", pipeline, given, {})
    assert fourth["inputs"] == [runrecord.describe_input(p) for p in given]
    assert fourth["inputs_added"][-1]["files"] == 1 and fourth["resumed"] == 3
    # fewer inputs, or one whose size changed: refused
    with pytest.raises(runrecord.ResumeError, match="are not given now"):
        runrecord.resumed_inputs(run_dir, [str(more)])
    inp.write_bytes(b"abcd")
    with pytest.raises(runrecord.ResumeError, match="changed since"):
        runrecord.resumed_inputs(run_dir, given)
    fineweb = load_pipeline("fineweb")
    with pytest.raises(runrecord.ResumeError, match="another pipeline"):
        runrecord.open_record(run_dir, "r1", fineweb, [str(inp)], {})


def test_open_record_takes_over_a_crawl_only_record(tmp_path: Path):
    run_dir = RunDir(tmp_path / "run")
    run_dir.root.mkdir()
    crawl = {"user_agent": "leam", "fetched": 3}
    run_dir.record.write_text(json.dumps({"created": "2026-01-01T00:00:00+00:00", "crawl": crawl}))
    record = runrecord.open_record(run_dir, "r1", load_pipeline("eu24"), [], {})
    assert record["crawl"] == crawl
    assert record["created"] == "2026-01-01T00:00:00+00:00"
    assert record["resumed"] == 0 and record["inputs"] == []


def test_load_without_a_record_names_the_directory(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"no run\.json"):
        runrecord.load(RunDir(tmp_path))
