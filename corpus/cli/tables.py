"""Rich tables for run records: per stage, and per language."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from leam.corpus.languages import language_name
from leam.corpus.markdown import size
from leam.corpus.stage import NO_LANG


def stage_table(record: dict[str, Any]) -> Table:
    table = Table(title=f"run {record['run_id']} ({record['status']})")
    for col in (
        "stage",
        "tasks",
        "in",
        "out",
        "rejected",
        "top reasons",
        "CPU s",
        "wall s",
        "docs/s",
    ):
        table.add_column(col, justify="left" if col in ("stage", "top reasons") else "right")
    for name, s in record["stages"].items():
        reasons = sorted(s["rejected_by_reason"].items(), key=lambda kv: -kv[1])[:3]
        failed = f" ({len(s['tasks_failed'])} failed)" if s["tasks_failed"] else ""
        rate = s["docs_in"] / s["wall_s"] if s["wall_s"] else 0.0
        table.add_row(
            name,
            f"{s['tasks_done']}/{s['tasks_total']}{failed}",
            f"{s['docs_in']:,}",
            f"{s['docs_out']:,}",
            f"{s['docs_rejected']:,}",
            ", ".join(f"{r} {n:,}" for r, n in reasons),
            f"{s['cpu_s']:.1f}",
            f"{s['wall_s']:.1f}",
            f"{rate:,.0f}",
        )
    return table


def language_table(record: dict[str, Any]) -> Table:
    """Documents per language after each stage, and all rejections of that language."""
    stages = record["stages"]
    table = Table(title="documents per language after each stage")
    table.add_column("lang")
    table.add_column("language")
    for name in stages:
        table.add_column(name, justify="right")
    table.add_column("rejected", justify="right")
    langs = {lang for s in stages.values() for lang in (*s["out_by_lang"], *s["rejected_by_lang"])}
    last = list(stages.values())[-1]["out_by_lang"] if stages else {}
    for lang in sorted(langs, key=lambda code: (code == NO_LANG, -last.get(code, 0), code)):
        rejected = sum(sum(s["rejected_by_lang"].get(lang, {}).values()) for s in stages.values())
        counts = [f"{s['out_by_lang'].get(lang, 0):,}" for s in stages.values()]
        name = "(before language ID)" if lang == NO_LANG else language_name(lang)
        table.add_row(lang, name, *counts, f"{rejected:,}")
    return table


def shards_table(stats: dict[str, Any]) -> Table:
    """The published corpus per language, from shards/stats.json."""
    table = Table(title="shards per language")
    for col in ("lang", "docs", "words", "text", "shards", "files", "top domain", "fetched"):
        table.add_column(
            col, justify="left" if col in ("lang", "top domain", "fetched") else "right"
        )
    for lang, f in stats["languages"].items():
        top = f["top_domains"][0]["domain"] if f["top_domains"] else ""
        months = sorted({(d or "")[:7] for d in f["crawl_dates"].values() if isinstance(d, str)})
        table.add_row(
            lang,
            f"{f['docs']:,}",
            f"{f['words']:,}",
            size(f["bytes"]),
            f"{f['shards']:,}",
            size(f["file_bytes"]),
            top,
            " – ".join(months),
        )
    return table


def failures(record: dict[str, Any]) -> list[str]:
    return [
        f"{stage}: {f['task']} ({f['input']}): {f['error']}"
        for stage, s in record["stages"].items()
        for f in s["tasks_failed"]
    ]


MAX_SPAN_LINES = 20  # `leam status` lists this many damaged spans; the ledger has them all


def damage_lines(record: dict[str, Any], spans: list[dict[str, Any]] | None = None) -> list[str]:
    """One line per damaged input file (bytes lost of its size), then, when the spans are
    given, one per damaged span: file, offset, reason, bytes."""
    from leam.corpus.damage import damaged_inputs

    lines = [
        f"{d['stage']}: {d['input']}: {d['bytes_skipped']:,} of {d['input_bytes']:,} bytes "
        f"skipped in {d['ranges']} damaged span(s)"
        for d in damaged_inputs(record)
    ]
    for s in (spans or [])[:MAX_SPAN_LINES]:
        lines.append(f"  {s['file']} offset {s['offset']:,}: {s['reason']}, {s['bytes']:,} bytes"
                     f" ({s['detail'][:120]})")  # fmt: skip
    if spans and len(spans) > MAX_SPAN_LINES:
        lines.append(f"  ... and {len(spans) - MAX_SPAN_LINES:,} more on the rejected ledger")
    return lines
