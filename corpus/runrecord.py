"""run.json: what a run was asked to do and what each stage did.

It holds the resolved pipeline and its sha256, the code version, the inputs with sizes and
sha256, and per stage: tasks, documents in / out / rejected (by language and by reason),
CPU-seconds, wall time and an energy estimate (`energy`: CPU-seconds × watts per core, plus
RAPL's measured joules where the counters are readable). Stage counters are summed from the
tasks' completion markers, so the record is rebuilt correctly after an interrupted run is
resumed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import fsspec

from leam.corpus import __version__
from leam.corpus.config import Pipeline
from leam.corpus.inputfile import error_chain
from leam.corpus.rundir import CRAWL_DIR, RunDir, read_json, write_json_atomic

SUMMED = ("docs_in", "docs_out", "docs_rejected", "cpu_s")
# Bytes of the tasks' inputs: read in records or skipped as damaged (markers of runs made
# before bytes were counted have none: 0).
BYTES = ("input_bytes", "bytes_read", "bytes_skipped")
# Watts one busy core draws, the server around it included: current server CPUs spend 4-7 W
# of package power per core at full load (e.g. 350 W / 56 cores, 360 W / 96 cores), and
# memory, disks, fans and power-supply losses roughly double a CPU's share of the wall plug.
DEFAULT_WATTS_PER_CORE = 10.0
RAPL_ROOT = Path("/sys/class/powercap")
COUNTED = ("out_by_lang", "rejected_by_reason", "counters", "bytes_skipped_by_reason")


class ResumeError(ValueError):
    """The run directory holds a different run (other pipeline or other inputs)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def code_version() -> dict[str, str | None]:
    """Package version, and the git commit when running from a checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"leam": __version__, "git_commit": commit}


def describe_input(path: str) -> dict[str, Any]:
    """An input's size and sha256; for one that cannot be read, why (its task then fails
    and names it, and the other inputs are still processed)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with fsspec.open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except Exception as err:  # fsspec raises many kinds: OSError, aiohttp's, botocore's...
        return {"path": path, "bytes": None, "sha256": None, "error": error_chain(err)}
    return {"path": path, "bytes": size, "sha256": digest.hexdigest()}


def open_record(
    run_dir: RunDir, run_id: str, pipeline: Pipeline, inputs: list[str], runtime: dict[str, Any]
) -> dict[str, Any]:
    """The record of a new run, or of the interrupted run being resumed. A record that
    only `leam crawl` wrote (no pipeline yet) is taken over, keeping its `crawl` section."""
    existing = read_json(run_dir.record) if run_dir.record.exists() else None
    if existing is not None and "pipeline_sha256" in existing:
        record = existing
        if record["pipeline_sha256"] != pipeline.sha256():
            raise ResumeError(
                f"{run_dir.location} holds run {record['run_id']!r} made with another pipeline "
                f"configuration; use a new --run-id (or remove the directory)"
            )
        known = [i["path"] for i in record["inputs"]]
        if known != inputs:  # resumed_inputs put the known ones first; the rest are new
            record["inputs"] += [describe_input(p) for p in inputs[len(known) :]]
            added = {"at": _now(), "files": len(inputs) - len(known)}
            record["inputs_added"] = [*record.get("inputs_added", []), added]
            record["inputs_at"] = added["at"]
        record["resumed"] = record.get("resumed", 0) + 1
    else:
        record = {
            "run_id": run_id,
            "created": _now(),
            "code_version": code_version(),
            "pipeline": pipeline.resolved(),
            "pipeline_source": pipeline.source,
            "pipeline_sha256": pipeline.sha256(),
            "inputs": [describe_input(p) for p in inputs],
            "inputs_at": _now(),  # what a crawl decided after this is not in the inputs
            "stages": {},
            "resumed": 0,
        }
        if existing is not None and "crawl" in existing:
            record.update(created=existing["created"], crawl=existing["crawl"])
    record["runtime"] = runtime
    record["status"] = "running"
    record["process"] = {"host": socket.gethostname(), "pid": os.getpid()}
    save(run_dir, record)
    return record


def shown_status(record: dict[str, Any]) -> str:
    """The status to show: a record left `running` by a process of this host that is gone
    (killed, out of memory, machine restarted) is an interrupted run, which resumes."""
    status = record.get("status", "")
    proc = record.get("process") or {}
    if status != "running" or proc.get("host") != socket.gethostname():
        return status
    try:
        os.kill(int(proc["pid"]), 0)
    except ProcessLookupError:
        return "interrupted"
    except (OSError, KeyError, ValueError):
        return status
    return status


def resumed_inputs(run_dir: RunDir, inputs: list[str]) -> tuple[list[str], int]:
    """The inputs of a run being started or resumed, and how many are new to it.

    A run resumed with more inputs (a crawl that went on wrote more WARC files) keeps the
    ones it knows first, in their order, so their parts keep their names, and takes the new
    ones after them as new tasks (the runner then redoes the global stages over all parts).
    Inputs it knew that are missing now, or whose size changed, are refused: the parts made
    from them would no longer match; --restart rebuilds the run from the inputs given.
    """
    existing = read_json(run_dir.record) if run_dir.record.exists() else None
    if existing is None or "pipeline_sha256" not in existing:
        return inputs, 0
    known = [{**i, "path": _local_abs(i["path"])} for i in existing["inputs"]]
    given = set(inputs)
    missing = [i["path"] for i in known if i["path"] not in given]
    changed = [i["path"] for i in known if i["path"] in given and _size(i["path"]) != i["bytes"]]
    if missing or changed:
        what = "are not given now" if missing else "changed since"
        files = missing or changed
        raise ResumeError(
            f"{run_dir.location} holds run {existing['run_id']!r}; {len(files)} input(s) it "
            f"started from {what} ({', '.join(files[:3])}{', ...' if len(files) > 3 else ''})"
            f": add --restart to rebuild the run from the inputs given, or use a new --run-id"
        )
    paths = [i["path"] for i in known]
    added = [p for p in inputs if p not in set(paths)]
    return paths + added, len(added)


def _local_abs(path: str) -> str:
    """Records written before inputs were absolute hold paths relative to where they ran."""
    return path if "://" in path or Path(path).is_absolute() else str(Path(path).resolve())


def _size(path: str) -> int | None:
    try:
        return fsspec.open(path, "rb").fs.size(path)
    except OSError:
        return None


def restart(run_dir: RunDir) -> None:
    """Removes what a run computed so that it starts again from its inputs; a crawl in the
    run directory (crawl/ and run.json's `crawl` section) is kept."""
    if not run_dir.fetch(run_dir.record, missing_ok=True).exists():
        return
    existing = read_json(run_dir.record)
    if run_dir.store:  # the run's top-level entries, from one listing of the store
        found = {p.relative_to(run_dir.root).parts[0] for p in run_dir.store.find(run_dir.root)}
        children = [run_dir.root / name for name in sorted(found)]
    else:
        children = list(run_dir.root.iterdir())
    for child in children:
        if child.name in (CRAWL_DIR, run_dir.record.name):
            continue
        if run_dir.store:
            run_dir.remove(child)
        elif child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    kept = {k: existing[k] for k in ("run_id", "created", "code_version", "crawl") if k in existing}
    if "crawl" not in kept:
        run_dir.remove(run_dir.record)
        return
    save(run_dir, {**kept, "status": f"crawl {kept['crawl'].get('status', '')}", "stages": {}})


def summarize_stage(
    markers: list[dict[str, Any]],
    tasks_total: int,
    failures: list[dict[str, str]],
    wall_s: float,
    nodes: Counter[str],
) -> dict[str, Any]:
    """Stage totals from the completion markers of its finished tasks."""
    summary: dict[str, Any] = {k: 0 for k in SUMMED}
    counted: dict[str, Counter[str]] = {k: Counter() for k in COUNTED}
    by_lang: dict[str, Counter[str]] = {}
    damaged: list[dict[str, Any]] = []
    for m in markers:
        for k in SUMMED:
            summary[k] += m[k]
        for k in BYTES:
            summary[k] = summary.get(k, 0) + m.get(k, 0)
        for k in COUNTED:
            counted[k].update(m.get(k, {}))
        if m.get("bytes_skipped"):
            damaged.append(damaged_input(m))
        for lang, reasons in m["rejected_by_lang"].items():
            by_lang.setdefault(lang, Counter()).update(reasons)
    summary["cpu_s"] = round(summary["cpu_s"], 3)
    summary.update({k: dict(sorted(c.items())) for k, c in counted.items()})
    summary["rejected_by_lang"] = {
        lang: dict(sorted(c.items())) for lang, c in sorted(by_lang.items())
    }
    summary.update(
        tasks_total=tasks_total,
        tasks_done=len(markers),
        tasks_failed=failures,
        wall_s=round(wall_s, 3),
        nodes=dict(sorted(nodes.items())),
        damaged_inputs=damaged,
        reconciled=all(_reconciled(m) for m in markers),
    )
    return summary


def _reconciled(marker: dict[str, Any]) -> bool:
    """A task reconciles when every document that entered left as kept or rejected, and
    every byte of its input was read in a record or skipped as damaged (on the ledger)."""
    docs = marker["docs_in"] == marker["docs_out"] + marker["docs_rejected"]
    read = marker.get("bytes_read", 0) + marker.get("bytes_skipped", 0)
    return docs and read == marker.get("input_bytes", 0)


def damaged_input(marker: dict[str, Any]) -> dict[str, Any]:
    """An input with damaged spans: its size, the bytes lost, by reason (the spans
    themselves, with offsets, are the ledger rows that have `skipped_bytes`)."""
    by_reason = marker.get("bytes_skipped_by_reason", {})
    ranges = sum(marker["rejected_by_reason"].get(reason, 0) for reason in by_reason)
    return {
        "task": marker["task"],
        "input": marker["input"],
        "input_bytes": marker.get("input_bytes", 0),
        "bytes_skipped": marker["bytes_skipped"],
        "ranges": ranges,
        "bytes_skipped_by_reason": by_reason,
    }


def rapl_joules(root: Path = RAPL_ROOT) -> dict[str, float] | None:
    """Energy counters of the CPU packages (RAPL), in joules, by domain; None where they
    cannot be read (no Intel/AMD RAPL, a container, or root-only since CVE-2020-8694)."""
    found: dict[str, float] = {}
    for zone in sorted(root.glob("intel-rapl:*")):
        if zone.name.count(":") != 1:  # a sub-domain (core, uncore, dram) of a package
            continue
        try:
            found[zone.name] = int((zone / "energy_uj").read_text()) / 1e6
        except (OSError, ValueError):
            return None
    return found or None


def rapl_delta(
    start: dict[str, float] | None, end: dict[str, float] | None, root: Path = RAPL_ROOT
) -> float | None:
    """Joules the packages used between two readings (a counter that wrapped is unwrapped
    with its max_energy_range_uj); None without two readings of the same domains."""
    if not start or not end or start.keys() != end.keys():
        return None
    total = 0.0
    for zone, before in start.items():
        delta = end[zone] - before
        if delta < 0:
            try:
                delta += int((root / zone / "max_energy_range_uj").read_text()) / 1e6
            except (OSError, ValueError):
                return None
        total += delta
    return total


def add_energy(record: dict[str, Any], watts_per_core: float, rapl_j: float | None = None) -> None:
    """Energy per stage and in total: the tasks' CPU-seconds × watts per core, so runs can
    be compared by cost on any machine; and, where RAPL was readable, the joules the CPU
    packages measured during this invocation (the whole machine, other jobs included),
    added to what earlier invocations of a resumed run measured."""
    for stage in record["stages"].values():
        stage["energy_j"] = round(stage["cpu_s"] * watts_per_core, 1)
    cpu_s = round(sum(stage["cpu_s"] for stage in record["stages"].values()), 3)
    energy: dict[str, Any] = {
        "cpu_s": cpu_s,
        "watts_per_core": watts_per_core,
        "estimate_j": round(cpu_s * watts_per_core, 1),
        "estimate_kwh": round(cpu_s * watts_per_core / 3.6e6, 6),
        "basis": "task CPU-seconds x watts per core (Ray's own processes not counted)",
    }
    measured = record.get("energy", {}).get("rapl_j")
    if rapl_j is not None:
        measured = round((measured or 0.0) + rapl_j, 1)
    if measured is not None:
        energy["rapl_j"] = measured
    record["energy"] = energy


def save(run_dir: RunDir, record: dict[str, Any]) -> None:
    record["updated"] = _now()
    write_json_atomic(record, run_dir.record)
    run_dir.upload(run_dir.record)


def load(run_dir: RunDir) -> dict[str, Any]:
    if not run_dir.fetch(run_dir.record, missing_ok=True).exists():
        raise FileNotFoundError(f"{run_dir.location}: no run.json (not a run directory?)")
    return read_json(run_dir.record)
