"""Opt-out figures of a run, per signal and per source, for ingested data as for our crawl:
what the AI Act summary (section 3.1) and the audit report show.

    by_signal   [{where, signal, documents}]: `crawl` from the crawl log (URLs our crawler
                left or stored reserved), `archived` (extract: headers and meta tags in WARC
                responses of any origin), `live` or `snapshot` (stage optouts: host policy
                files), from run.json counters `optout.<where>.<signal>` (exact at any size)
    by_input    [{input, documents}]: documents reserved per input file (extract and optouts
                ledgers, rows `tdm_reservation`)
    hosts       the stage optouts' figures: hosts, fetched, from the cache or the snapshot
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.corpus.crawl_log import read_crawl_log
from leam.corpus.rundir import RunDir

PREFIX = "optout."
STAGES = ("extract", "optouts")  # the stages that send opt-outs to the ledger
REASON = "tdm_reservation"


def _by_signal(run_dir: RunDir, record: dict[str, Any]) -> list[dict[str, Any]]:
    rows: Counter[tuple[str, str]] = Counter()
    log = read_crawl_log(run_dir, record)
    for signal, n in (log.opt_outs.items() if log else []):
        rows[("crawl", signal)] += n
    for stage in record.get("stages", {}).values():
        for key, n in stage.get("counters", {}).items():
            parts = key.split(".")
            if key.startswith(PREFIX) and len(parts) == 3:
                rows[(parts[1], parts[2])] += n
    return [{"where": w, "signal": s, "documents": n} for (w, s), n in sorted(rows.items())]


def _by_input(run_dir: RunDir) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for stage in STAGES:
        for path in run_dir.ledgers(stage):
            table = pq.read_table(path, columns=["reason", "source"])
            mine = table.filter(pc.equal(table.column("reason"), REASON))
            if mine.num_rows:
                files = pc.struct_field(mine.column("source"), "warc_file").to_pylist()
                counts.update(f or "?" for f in files)
    return [{"input": f, "documents": n} for f, n in sorted(counts.items())]


def optout_figures(run_dir: RunDir, record: dict[str, Any]) -> dict[str, Any]:
    stage = record.get("stages", {}).get("optouts", {})
    not_listed = stage.get("counters", {}).get(f"{PREFIX}not_in_snapshot", 0)
    return {
        "by_signal": _by_signal(run_dir, record),
        "by_input": _by_input(run_dir),
        "hosts": stage.get("prepared"),
        "not_in_snapshot": not_listed,
    }
