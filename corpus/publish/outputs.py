"""Writes what a complete run publishes besides its shards: datasheet, stats, AI Act summary.

Written after every complete run that has a shard stage (`leam run`, `leam shard`: the
commands call publish_complete_run), and again by `leam report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leam.corpus import takedown_log
from leam.corpus.publish import ai_act, ai_act_md, datasheet
from leam.corpus.publish.stats import build_stats
from leam.corpus.rundir import RunDir, write_json_atomic, write_text_atomic
from leam.pipelines.shard.manifest import read_manifest


@dataclass(frozen=True)
class PublishOptions:
    license: str = "other"  # the datasheet's license id
    pretty_name: str | None = None  # the datasheet's title (default: the run id)
    sme: bool = False  # the AI Act summary lists the SME share of domains


def shard_options(record: dict[str, Any]) -> PublishOptions:
    """The options the run's shard stage was configured with (defaults if it had none)."""
    for stage in record["pipeline"]["stages"]:
        if stage["stage"] == "shard":
            p = stage["params"]
            return PublishOptions(
                p.get("license", "other"), p.get("pretty_name"), p.get("sme", False)
            )
    return PublishOptions()


def write_datasheet(run_dir: RunDir, record: dict[str, Any], options: PublishOptions) -> list[Path]:
    """shards/stats.json and shards/README.md; checks the manifest against the run's counts."""
    stats = build_stats(run_dir, record)
    rows = sum(e["rows"] for e in read_manifest(run_dir.shards)["shards"])
    taken_down = takedown_log.removed_docs(takedown_log.read(run_dir))
    expected = record["stages"]["shard"]["docs_out"] - taken_down
    if rows != stats["total"]["docs"] or rows != expected:
        raise ValueError(
            f"the shards hold {rows:,} documents, the run record {expected:,} "
            f"({taken_down:,} taken down): rerun into a new run directory"
        )
    write_json_atomic(stats, run_dir.stats)
    title = options.pretty_name or f"LEAM Corpus {record['run_id']}"
    readme = datasheet.render(stats, record, options.license, title)
    write_text_atomic(readme, run_dir.shards / "README.md")
    return [run_dir.stats, run_dir.shards / "README.md"]


def write_ai_act(run_dir: RunDir, record: dict[str, Any], sme: bool) -> list[Path]:
    summary = ai_act.summary(run_dir, record, sme=sme)
    json_path, md_path = run_dir.reports / "ai-act.json", run_dir.reports / "ai-act.md"
    write_json_atomic(summary, json_path)
    write_text_atomic(ai_act_md.render(summary), md_path)
    return [md_path, json_path]


def publish_run(run_dir: RunDir, record: dict[str, Any], options: PublishOptions) -> list[Path]:
    return write_datasheet(run_dir, record, options) + write_ai_act(run_dir, record, options.sme)


def publish_complete_run(run_dir: RunDir, record: dict[str, Any]) -> list[Path]:
    """After a run: what it publishes besides the shards, if it is complete and sharded
    (again on every rerun of a complete run: cheap, and it picks up later stages' figures,
    such as the tokenizer's token counts)."""
    if record.get("status") != "complete" or "shard" not in record["stages"]:
        return []
    return publish_run(run_dir, record, shard_options(record))
