"""The document schema (Arrow) and the rejected-ledger schema: the one place that defines them.

Every stage reads and writes documents with DOC_SCHEMA, so that a Parquet part from any stage
can be read by any later stage, by Hugging Face `datasets` and by datatrove's ParquetReader.
"""

from __future__ import annotations

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

# The published shards (runs/<id>/shards/<lang>/*.parquet) carry DOC_SCHEMA with one change:
# `quality` as a list of {key, value} pairs instead of an Arrow map, because Hugging Face
# `datasets` has no feature type for maps and refuses to load a file that has one. The pairs
# are the map's own physical layout, so no value changes; stages keep the map (filters read
# and write it as a dict). Lists name their items `element`, as Parquet does, so that the
# schema read back from a shard equals this one exactly.
QUALITY_PAIRS_TYPE = pa.list_(
    pa.field("element", pa.struct([("key", pa.string()), ("value", pa.float64())]))
)


def _shard_field(field: pa.Field) -> pa.Field:
    if field.name == "quality":
        return pa.field("quality", QUALITY_PAIRS_TYPE)
    if pa.types.is_list(field.type):
        return pa.field(field.name, pa.list_(pa.field("element", field.type.value_type)))
    return field


SHARD_SCHEMA = pa.schema([_shard_field(f) for f in DOC_SCHEMA])


def to_shard_table(table: pa.Table) -> pa.Table:
    """Documents (DOC_SCHEMA) as shard rows (SHARD_SCHEMA), without copying the text."""
    table = table.select(DOC_SCHEMA.names).cast(DOC_SCHEMA)
    quality = table.column("quality").combine_chunks()
    pairs = pa.ListArray.from_arrays(
        quality.offsets,
        pa.StructArray.from_arrays([quality.keys, quality.items], names=["key", "value"]),
        type=QUALITY_PAIRS_TYPE,
        mask=quality.is_null(),
    )
    table = table.set_column(DOC_SCHEMA.get_field_index("quality"), "quality", pairs)
    return table.cast(SHARD_SCHEMA)


LEDGER_SCHEMA = pa.schema(
    [
        ("stage", pa.string()),
        ("reason", pa.string()),  # what is wrong: `not_html`, `language`, `bad_gzip`...
        ("detail", pa.string()),  # the specifics a reviewer needs (error text, score...)
        ("id", pa.string()),  # null when the record broke before it had one
        ("url", pa.string()),
        ("source", SOURCE_TYPE),
        ("lang", pa.string()),
        ("lang_score", pa.float32()),
        ("text", pa.string()),  # kept so that nothing is lost and removals can be sampled
        ("dup_cluster", pa.int64()),  # dedup: the cluster the removed document belongs to
        ("dup_of", pa.string()),  # dedup: id of the document kept in its place
        ("filter_id", pa.string()),  # filter: the manifest id of the filter that removed it
        ("filter_version", pa.int32()),  # filter: that manifest's version
        ("signals", pa.map_(pa.string(), pa.float64())),  # filter: the signals it decided on
        # extract: a damaged span of the input (source.offset on) that could not be read
        ("skipped_bytes", pa.int64()),
    ]
)


# The crawl log: one row per URL the crawler took up (runs/<id>/crawl/log/*.parquet). It is
# the evidence of every opt-out decision, and extract reads it to exclude reserved pages.
CRAWL_LOG_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("host", pa.string()),  # host[:port], lower case: the unit of politeness
        ("depth", pa.int32()),  # links from a seed (redirects keep the depth)
        ("via", pa.string()),  # the page that linked or redirected here (null for seeds)
        ("fetched", pa.bool_()),  # whether a request for this URL was sent
        ("status", pa.int32()),  # HTTP status of the last attempt (null: no response)
        ("decision", pa.string()),  # allowed | reserved | disallowed | refused
        ("signal", pa.string()),  # what decided it: robots_txt, tdm_header, private_address...
        ("detail", pa.string()),  # the rule, header value or address behind the signal
        ("tdm_policy", pa.string()),  # a TDMRep policy URL offered by the rights holder
        ("error", pa.string()),  # why a fetch failed (timeout, connection...), else null
        ("decided_at", pa.string()),  # ISO 8601 UTC
        ("fetched_at", pa.string()),  # ISO 8601 UTC, start of the last request (null: none)
        ("elapsed_s", pa.float64()),  # request start to end of body, last attempt
        ("attempts", pa.int32()),
        ("bytes", pa.int64()),  # payload bytes kept (decoded, at most the size limit)
        ("wire_bytes", pa.int64()),  # payload bytes received (before content decoding)
        ("truncated", pa.bool_()),  # cut at the size limit (WARC-Truncated: length)
        ("content_type", pa.string()),
        ("charset", pa.string()),  # the charset HTML was decoded with
        ("ip", pa.string()),  # the server address the response came from
        ("redirect_to", pa.string()),
        ("links", pa.int32()),  # in-scope links found on the page
        ("warc_file", pa.string()),  # WARC file name holding the response (null: not stored)
        ("warc_offset", pa.int64()),  # byte offset of the response record in that file
    ]
)


def doc_id(url: str, record_id: str) -> str:
    """Stable document id: the same record of the same crawl always gets the same id."""
    return xxhash.xxh3_128_hexdigest(f"{url}\x00{record_id}".encode())


def quality_map(doc: dict[str, Any]) -> dict[str, float]:
    """A document's `quality` signals as a dict: Arrow maps read back as (key, value) pairs."""
    return dict(doc.get("quality") or {})


def empty_doc(**fields: Any) -> dict[str, Any]:
    """A document row with every schema field present (null unless given)."""
    row = dict.fromkeys(DOC_SCHEMA.names)
    row.update(fields)
    return row


def ledger_row(stage: str, reason: str, doc: dict[str, Any] | None = None, **fields: Any) -> dict:
    """A ledger row from a document (or from what is known of a broken record)."""
    row = dict.fromkeys(LEDGER_SCHEMA.names)
    if doc is not None:
        row.update({k: doc.get(k) for k in LEDGER_SCHEMA.names if k in doc})
    row.update(fields)
    row["stage"], row["reason"] = stage, reason
    return row
