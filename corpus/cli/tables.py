"""Rich tables for run records: per stage, and per language."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from corpus.languages import language_name


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
    """Documents kept per language by the last stage, with rejections by reason."""
    last = list(record["stages"].values())[-1]
    table = Table(title="documents kept per language (last stage)")
    for col in ("lang", "language", "kept", "rejected here"):
        table.add_column(col, justify="right" if col in ("kept", "rejected here") else "left")
    langs = sorted(set(last["out_by_lang"]) | set(last["rejected_by_lang"]))
    for lang in sorted(langs, key=lambda code: -last["out_by_lang"].get(code, 0)):
        rejected = sum(last["rejected_by_lang"].get(lang, {}).values())
        table.add_row(
            lang, language_name(lang), f"{last['out_by_lang'].get(lang, 0):,}", f"{rejected:,}"
        )
    return table


def failures(record: dict[str, Any]) -> list[str]:
    return [
        f"{stage}: {f['task']} ({f['input']}): {f['error']}"
        for stage, s in record["stages"].items()
        for f in s["tasks_failed"]
    ]
