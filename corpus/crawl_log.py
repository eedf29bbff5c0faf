"""What the reports can say about how the content was collected: the crawl log and the crawler.

Our crawler writes a crawl log (runs/<id>/crawl/log/*.parquet, corpus.schema.CRAWL_LOG_SCHEMA:
one row per URL with its `decision` and the `signal` that decided it) and records its
user-agent in run.json. A run made from WARC files collected elsewhere has neither; the
WARC files still name their crawler in their request records (`User-Agent`) and warcinfo
(`software`), so the reports read the first few records of each input. What none of these
tell is left to the provider, clearly marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from leam.corpus.rundir import RunDir

OPT_OUT = ("reserved", "disallowed")  # decisions that honour a rights holder's opt-out
RECORDS_READ = 20  # records read from the head of each input WARC for its crawler's name
FILES_READ = 20  # input files read for it (evenly spread over the inputs)


@dataclass
class CrawlLog:
    urls: int
    hosts: int
    first_fetch: str | None
    last_fetch: str | None
    decisions: dict[str, int]  # decision → URLs
    opt_outs: dict[str, int]  # signal → URLs reserved or disallowed because of it
    refused: dict[str, int]  # signal → URLs refused for another reason (safety rules)
    by_decision_signal: list[dict[str, Any]] = field(default_factory=list)


def _counts(table: pa.Table, keys: list[str]) -> list[dict[str, Any]]:
    """URLs per combination of `keys`, most first."""
    rows = table.group_by(keys).aggregate([(keys[0], "count")]).to_pylist()
    for row in rows:
        row["urls"] = row.pop(f"{keys[0]}_count")
    return sorted(rows, key=lambda r: (-r["urls"], *[str(r[k]) for k in keys]))


def _column(table: pa.Table, name: str) -> pa.ChunkedArray:
    """A column as text with "" for nulls (a null array when a log lacks the column)."""
    if name not in table.column_names:
        return pa.chunked_array([pa.array([""] * table.num_rows, pa.string())])
    return pc.fill_null(pc.cast(table[name], pa.string()), "")


def _in_inputs(table: pa.Table, record: dict[str, Any] | None) -> pa.Table:
    """The rows that concern the run's inputs: pages stored in one of its input WARC files,
    and URLs decided without a stored page before the run took its inputs (`inputs_at`).
    A crawl resumed after the run adds rows for pages the corpus does not hold."""
    if record is None or not record.get("inputs"):
        return table
    names = pa.array(sorted({i["path"].rsplit("/", 1)[-1] for i in record["inputs"]}))
    stored = pc.is_in(table["warc_file"], value_set=names)
    unstored = pc.equal(table["warc_file"], "")
    if record.get("inputs_at"):
        decided = table["decided_at"]
        unstored = pc.and_(unstored, pc.less_equal(decided, record["inputs_at"]))
    return table.filter(pc.or_(stored, unstored))


def read_crawl_log(run_dir: RunDir, record: dict[str, Any] | None = None) -> CrawlLog | None:
    """Figures of the crawl log, or None when the run has none. With the run record, only
    the rows that concern the run's inputs (see _in_inputs)."""
    folder = run_dir.crawl_log
    files = (
        sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith("."))
        if folder.is_dir()
        else []
    )
    if not files:
        return None
    dataset = ds.dataset([str(f) for f in files], format="parquet")
    wanted = ("host", "decision", "signal", "fetched_at", "warc_file", "decided_at")
    raw = dataset.to_table(columns=[c for c in wanted if c in dataset.schema.names])
    table = _in_inputs(pa.table({c: _column(raw, c) for c in wanted}), record)
    pairs = _counts(table, ["decision", "signal"])
    decisions: dict[str, int] = {}
    opt_outs: dict[str, int] = {}
    refused: dict[str, int] = {}
    for row in pairs:
        decision, signal, n = row["decision"], row["signal"] or "(none)", row["urls"]
        decisions[decision] = decisions.get(decision, 0) + n
        if decision in OPT_OUT:
            opt_outs[signal] = opt_outs.get(signal, 0) + n
        elif decision == "refused":
            refused[signal] = refused.get(signal, 0) + n
    fetched = table.filter(pc.not_equal(table["fetched_at"], ""))["fetched_at"]
    hosts = table.filter(pc.not_equal(table["host"], ""))["host"]
    return CrawlLog(
        urls=table.num_rows,
        hosts=len(pc.unique(hosts)),
        first_fetch=pc.min(fetched).as_py() if len(fetched) else None,
        last_fetch=pc.max(fetched).as_py() if len(fetched) else None,
        decisions=decisions,
        opt_outs=dict(sorted(opt_outs.items(), key=lambda kv: -kv[1])),
        refused=dict(sorted(refused.items(), key=lambda kv: -kv[1])),
        by_decision_signal=pairs,
    )


def recorded_user_agents(record: dict[str, Any]) -> list[str]:
    """Every `user_agent` value the run record holds (the crawl's options, a stage's params),
    wherever the crawler put it."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "user_agent" and isinstance(value, str) and value not in found:
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(record)
    return found


def warc_crawlers(paths: list[str]) -> dict[str, list[str]]:
    """User-Agent headers of request records and `software` of warcinfo records, read from
    the first records of (at most FILES_READ of) the input WARC files."""
    step = max(1, len(paths) // FILES_READ)
    agents: list[str] = []
    software: list[str] = []
    for path in paths[::step][:FILES_READ]:
        try:
            with fsspec.open(path, "rb") as f:
                for record in islice(ArchiveIterator(f), RECORDS_READ):
                    if record.rec_type == "request" and record.http_headers is not None:
                        _add(agents, record.http_headers.get_header("User-Agent"))
                    elif record.rec_type == "warcinfo":
                        for line in (
                            record.content_stream().read().decode("utf-8", "replace").splitlines()
                        ):
                            key, _, value = line.partition(":")
                            if key.strip().lower() == "software":
                                _add(software, value.strip())
        except (OSError, ValueError, ArchiveLoadFailed):  # gone, or not a WARC (Parquet input)
            continue
    return {"user_agents": agents, "software": software}


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)
