"""Markdown pieces shared by the datasheet and the AI Act summary."""

from __future__ import annotations

from typing import Any


def cell(value: Any) -> str:
    """A table cell: thousands separators for counts, no line breaks or pipes."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if value is None:
        return "–"
    return " ".join(str(value).split()).replace("|", "\\|")


def table(columns: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def size(nbytes: int) -> str:
    """Bytes for people: 1.5 MB, 12.0 GB (powers of 1,000)."""
    value = float(nbytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{nbytes} B"
