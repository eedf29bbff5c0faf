"""The shard stage's first pass: what each part holds, per language, before anything moves.

One task per part reads the columns the figures need (not the whole document) and writes

    _work/profile/<task>.json           per language: docs, words, chars, bytes, fetch dates
    _work/profile/<task>.domains.parquet  domain, lang, docs, bytes

The driver merges them: the per-language totals size the shards (how many per language),
and they, with the domain table, are the figures of the datasheet, the stats and the AI Act
summary. Everything is computed with Arrow kernels, column by column, so a part costs about
one read of its text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.corpus.rundir import read_json, write_json_atomic, write_row_groups_atomic
from leam.corpus.stage import NO_LANG

COLUMNS = ["lang", "text", "domain", "source"]
DOMAIN_SCHEMA = pa.schema(
    [("domain", pa.string()), ("lang", pa.string()), ("docs", pa.int64()), ("bytes", pa.int64())]
)
SUMMED = ("docs", "words", "chars", "bytes")


def _lang_column(table: pa.Table) -> pa.ChunkedArray:
    return pc.fill_null(table.column("lang"), NO_LANG)


def text_bytes(table: pa.Table) -> pa.ChunkedArray:
    """UTF-8 bytes of each document's text: what shard sizes and domain sizes are made of."""
    return pc.fill_null(pc.binary_length(table.column("text")), 0)


def table_figures(table: pa.Table) -> dict[str, dict[str, Any]]:
    """Per language: docs, words, chars, bytes, first/last fetch, documents per month (of a
    part here; of the documents a takedown removes, in corpus.publish.takedown)."""
    text = table.column("text")
    fetched = pc.struct_field(table.column("source"), "warc_date")
    measured = pa.table(
        {
            "lang": _lang_column(table),
            "docs": pa.repeat(1, table.num_rows).cast(pa.int64()),
            "words": pc.fill_null(pc.count_substring_regex(text, r"\S+"), 0).cast(pa.int64()),
            "chars": pc.fill_null(pc.utf8_length(text), 0).cast(pa.int64()),
            "bytes": text_bytes(table).cast(pa.int64()),
            "fetched": fetched,
            "month": pc.utf8_slice_codeunits(fetched, 0, 7),
        }
    )
    figures: dict[str, dict[str, Any]] = {}
    sums = measured.group_by("lang").aggregate(
        [(k, "sum") for k in SUMMED] + [("fetched", "min"), ("fetched", "max")]
    )
    for row in sums.to_pylist():
        figures[row["lang"]] = {k: row[f"{k}_sum"] for k in SUMMED}
        figures[row["lang"]]["first_fetch"] = row["fetched_min"]
        figures[row["lang"]]["last_fetch"] = row["fetched_max"]
        figures[row["lang"]]["months"] = {}
    months = measured.filter(pc.is_valid(measured.column("month")))
    for row in months.group_by(["lang", "month"]).aggregate([("docs", "sum")]).to_pylist():
        figures[row["lang"]]["months"][row["month"]] = row["docs_sum"]
    return figures


def _sum_domains(table: pa.Table) -> pa.Table:
    """docs and bytes summed per (domain, lang), as DOMAIN_SCHEMA."""
    grouped = table.group_by(["domain", "lang"]).aggregate([("docs", "sum"), ("bytes", "sum")])
    return grouped.rename_columns(DOMAIN_SCHEMA.names).cast(DOMAIN_SCHEMA)


def domain_sizes(table: pa.Table) -> pa.Table:
    """docs and bytes per (domain, lang) of the table's documents."""
    sized = pa.table(
        {
            "domain": pc.fill_null(table.column("domain"), ""),
            "lang": _lang_column(table),
            "docs": pa.repeat(1, table.num_rows).cast(pa.int64()),
            "bytes": text_bytes(table).cast(pa.int64()),
        }
    )
    return _sum_domains(sized)


def profile_part(task: str, path: str, workdir: Path) -> dict[str, dict[str, Any]]:
    """Figures of one part by language (read back from disk when an earlier try wrote them)."""
    out = workdir / "profile" / f"{task}.json"
    if out.exists():
        return read_json(out)
    table = pq.read_table(path, columns=COLUMNS)
    domains = domain_sizes(table)
    write_row_groups_atomic([domains], DOMAIN_SCHEMA, out.with_suffix(".domains.parquet"))
    figures = table_figures(table)
    write_json_atomic(figures, out)
    return figures


def merge_figures(parts: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per-language totals over all parts; languages sorted by code."""
    total: dict[str, dict[str, Any]] = {}
    for figures in parts:
        for lang, f in figures.items():
            t = total.setdefault(
                lang,
                {**dict.fromkeys(SUMMED, 0), "first_fetch": None, "last_fetch": None, "months": {}},
            )
            for k in SUMMED:
                t[k] += f[k]
            t["first_fetch"] = min(filter(None, [t["first_fetch"], f["first_fetch"]]), default=None)
            t["last_fetch"] = max(filter(None, [t["last_fetch"], f["last_fetch"]]), default=None)
            for month, n in f["months"].items():
                t["months"][month] = t["months"].get(month, 0) + n
    for t in total.values():
        t["months"] = dict(sorted(t["months"].items()))
    return dict(sorted(total.items()))


def merge_domains(workdir: Path, tasks: list[str]) -> pa.Table:
    """domain, lang, docs, bytes over all parts, largest first (ties by name, for a stable
    order). Domain tables are small next to the text: one row per domain and language."""
    tables = [pq.read_table(workdir / "profile" / f"{t}.domains.parquet") for t in tasks]
    if not tables:
        return DOMAIN_SCHEMA.empty_table()
    merged = _sum_domains(pa.concat_tables(tables))
    return merged.sort_by([("bytes", "descending"), ("domain", "ascending"), ("lang", "ascending")])
