"""A dated snapshot of hosts' policy files: what a run honoured, and what an offline run
uses instead of the network, so that it decides exactly as the run that fetched them.

    {"format": "leam-optouts/1", "created": ...,
     "manifest": {"version": 1, "sha256": ..., "tokens": [...]},
     "hosts": {"https://a.example": {
         "fetched": "2026-12-06T10:00:00+00:00",             # the oldest of its files
         "summary": {"robots_txt": "HTTP 200; disallows / for GPTBot, CCBot", ...},
         "files": {"/robots.txt": {path, status, body, content_type, error, fetched_at}, ...}}}}

The files are kept as fetched (not only the decisions), since a decision depends on the URL;
`summary` is what a reviewer reads. `leam optouts fetch | show | diff` write and read them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from leam.corpus.rundir import read_json, write_json_atomic
from leam.pipelines.crawl.policyfile import AI_TXT, ROBOTS_TXT, TDMREP_JSON, PolicyFile
from leam.pipelines.crawl.robots import RobotsRules
from leam.pipelines.crawl.tdm import TdmRepFile
from leam.pipelines.optouts.agents import OptoutPolicy
from leam.pipelines.optouts.decide import iso
from leam.pipelines.optouts.live import HostFiles

FORMAT = "leam-optouts/1"
SIGNAL_OF = {ROBOTS_TXT: "robots_txt", AI_TXT: "ai_txt", TDMREP_JSON: "tdmrep_json"}


def summarise(files: HostFiles, origin: str, policy: OptoutPolicy) -> dict[str, str]:
    """Per file, one line: its status and what it says at the host's root."""
    out = {}
    root = origin + "/"
    for path, pf in sorted(files.items()):
        signal = SIGNAL_OF[path]
        if path == TDMREP_JSON:
            found = TdmRepFile(pf).check(root)
            said = ("reserves /" if found.reserved else "frees /") if found else "no rule for /"
        else:
            refused = [
                t for t in policy.tokens
                if not RobotsRules(pf, t, policy.fails_closed(signal)).check(root).allowed
            ]  # fmt: skip
            said = f"disallows / for {', '.join(refused)}" if refused else "allows / for all"
        out[signal] = f"{pf.describe()}; {said}"
    return out


def build(
    hosts: dict[str, HostFiles], policy: OptoutPolicy, created: str | None = None
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created": created or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "manifest": {
            "version": policy.version,
            "sha256": policy.sha256,
            "tokens": list(policy.tokens),
        },
        "hosts": {
            origin: {
                "fetched": iso(min(f.fetched_at for f in files.values())),
                "summary": summarise(files, origin, policy),
                "files": {p: f.to_json() for p, f in sorted(files.items())},
            }
            for origin, files in sorted(hosts.items())
        },
    }


def write(snapshot: dict[str, Any], path: Path) -> None:
    write_json_atomic(snapshot, path)


def read(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}")
    return data


def host_files(snapshot: dict[str, Any]) -> dict[str, HostFiles]:
    return {
        origin: {p: PolicyFile.from_json(f) for p, f in host["files"].items()}
        for origin, host in snapshot["hosts"].items()
    }


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, per host and file, in reviewer terms."""
    changes = []
    for origin in sorted(set(old["hosts"]) | set(new["hosts"])):
        a, b = old["hosts"].get(origin), new["hosts"].get(origin)
        if a is None or b is None:
            kind = "added" if a is None else "removed"
            changes.append({"host": origin, "file": None, "change": kind,
                            "before": None if a is None else a["fetched"],
                            "after": None if b is None else b["fetched"]})  # fmt: skip
            continue
        for signal in sorted(set(a["summary"]) | set(b["summary"])):
            path = next(p for p, s in SIGNAL_OF.items() if s == signal)
            fa, fb = a["files"].get(path, {}), b["files"].get(path, {})
            same = (fa.get("status"), fa.get("body")) == (fb.get("status"), fb.get("body"))
            if not same:
                changes.append({"host": origin, "file": signal, "change": "changed",
                                "before": a["summary"].get(signal),
                                "after": b["summary"].get(signal)})  # fmt: skip
    return changes
