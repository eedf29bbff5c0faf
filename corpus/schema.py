"""The document schema (Arrow) and the rejected-ledger schema: the one place that defines them.

Every stage reads and writes documents with DOC_SCHEMA, so that a Parquet part from any stage
can be read by any later stage, by Hugging Face `datasets` and by datatrove's ParquetReader.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import xxhash

SOURCE_TYPE = pa.struct(
    [
        ("warc_file", pa.string()),  # the WARC/WET file the record came from
        ("offset", pa.int64()),  # byte offset of the record in that file (compressed stream)
        ("record_id", pa.string()),  # WARC-Record-ID
        ("warc_date", pa.string()),  # WARC-Date (ISO 8601, UTC): when the page was fetched
    ]
)

LANG_ALTERNATIVE_TYPE = pa.struct([("lang", pa.string()), ("score", pa.float32())])

DOC_SCHEMA = pa.schema(
    [
        ("id", pa.string()),  # stable: xxh3-128 of URL + WARC record id
        ("url", pa.string()),
        ("domain", pa.string()),  # host name, lower case
        ("text", pa.string()),  # main text, paragraphs separated by "\n"
        ("title", pa.string()),
        ("date", pa.string()),  # publication date found in the page (YYYY-MM-DD), if any
        ("source", SOURCE_TYPE),
        ("lang", pa.string()),  # ISO 639-1 where one exists, else the model's code
        ("lang_score", pa.float32()),
        ("lang_alternatives", pa.list_(LANG_ALTERNATIVE_TYPE)),  # top-k, best first
        ("quality", pa.map_(pa.string(), pa.float64())),  # filter signals, by signal name
        ("dup_cluster", pa.int64()),  # duplicate cluster id (null: no duplicate found)
        ("dup_cluster_size", pa.int32()),  # documents in that cluster, this one included
    ]
)

LEDGER_SCHEMA = pa.schema(
    [
        ("stage", pa.string()),
        ("reason", pa.string()),  # what is wrong: `not_html`, `language`, `broken_record`...
        ("detail", pa.string()),  # the specifics a reviewer needs (error text, score...)
        ("id", pa.string()),  # null when the record broke before it had one
        ("url", pa.string()),
        ("source", SOURCE_TYPE),
        ("lang", pa.string()),
        ("lang_score", pa.float32()),
        ("text", pa.string()),  # kept so that nothing is lost and removals can be sampled
        ("dup_cluster", pa.int64()),  # dedup: the cluster the removed document belongs to
        ("dup_of", pa.string()),  # dedup: id of the document kept in its place
    ]
)


def doc_id(url: str, record_id: str) -> str:
    """Stable document id: the same record of the same crawl always gets the same id."""
    return xxhash.xxh3_128_hexdigest(f"{url}\x00{record_id}".encode())


def empty_doc(**fields: Any) -> dict[str, Any]:
    """A document row with every schema field present (null unless given)."""
    row = dict.fromkeys(DOC_SCHEMA.names)
    row.update(fields)
    return row


def docs_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=DOC_SCHEMA)


def ledger_row(stage: str, reason: str, doc: dict[str, Any] | None = None, **fields: Any) -> dict:
    """A ledger row from a document (or from what is known of a broken record)."""
    row = dict.fromkeys(LEDGER_SCHEMA.names)
    if doc is not None:
        row.update({k: doc.get(k) for k in LEDGER_SCHEMA.names if k in doc})
    row.update(fields)
    row["stage"], row["reason"] = stage, reason
    return row
