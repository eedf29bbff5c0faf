"""`leam takedown RUN`: remove what a request names from everything a run has published.

    request = TakedownRequest("url", "https://a.example/p", "copyright", "notice 2026-17")
    entry = apply_takedown(RunDir(runs / "r1"), request)

1. Every shard listed in MANIFEST.json is searched (its `id` and `url` columns; the text
   too when the rule is a content hash); a shard with a match is rewritten without those
   rows, with the same row groups, compression and schema, so the same takedown of the same
   run writes the same bytes. MANIFEST.json gets the new sizes, rows and sha256 (its
   `created` is kept, `takedowns` counts the requests applied).
2. reports/domains.parquet and shards/tokens.json are brought in line; the token files of
   every Megatron export of the run are rebuilt for the affected languages, with blend.json
   and lineage (corpus.publish.takedown_derived); stage parts and ledgers in the run
   directory lose the rows too (they hold the text).
3. The request, what it matched and where, and the files it changed are appended to
   takedowns.jsonl; the datasheet, stats.json and the AI Act summary are written again from
   the run's figures less what was removed.

A tokenizer or a model trained before the takedown cannot unlearn: they are recorded in the
log entry and the datasheet, not changed. A request that matches nothing is logged too (a
reviewer can show it was honoured) and changes no file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.corpus import runrecord, takedown_log
from leam.corpus.publish import takedown_derived
from leam.corpus.publish.outputs import publish_run, shard_options
from leam.corpus.rundir import RunDir, file_sha256, write_json_atomic, write_row_groups_atomic
from leam.corpus.schema import SHARD_SCHEMA
from leam.filters.takedown import REQUEST_FIELDS, TakedownMatcher, TakedownParams, text_sha256
from leam.pipelines.shard.manifest import NAME as MANIFEST_NAME
from leam.pipelines.shard.manifest import read_manifest
from leam.pipelines.shard.profile import DOMAIN_SCHEMA, domain_sizes, table_figures, text_bytes

RequestKind = Literal["url", "host", "pattern", "id"]
KINDS: tuple[RequestKind, ...] = ("url", "host", "pattern", "id")


@dataclass(frozen=True)
class TakedownRequest:
    kind: RequestKind  # what `value` names
    value: str
    reason: str  # one of takedown_log.REASONS
    reference: str  # the notice's or request's reference, free text

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"takedown by {self.kind!r}: give one of {', '.join(KINDS)}")
        if self.reason not in takedown_log.REASONS:
            known = ", ".join(takedown_log.REASONS)
            raise ValueError(f"reason {self.reason!r}: give one of {known}")
        if not self.value.strip():
            raise ValueError(f"takedown by {self.kind}: the {self.kind} is empty")

    def params(self) -> TakedownParams:
        return TakedownParams(**{REQUEST_FIELDS[self.kind]: [self.value]})


def apply_takedown(
    run_dir: RunDir,
    request: TakedownRequest,
    now: datetime | None = None,
    exports: list[Path] | None = None,
) -> dict[str, Any]:
    """Applies one request to a sharded run; returns the entry appended to takedowns.jsonl.
    `exports`: Megatron exports of the run's shards written outside the run directory."""
    record = runrecord.load(run_dir)
    shards_dir = run_dir.shards
    manifest = read_manifest(shards_dir)
    matcher = TakedownMatcher(request.params())
    level = _compression_level(record)

    matched: list[dict[str, Any]] = []
    removed_tables: list[pa.Table] = []
    files: list[dict[str, Any]] = []
    for entry in manifest["shards"]:
        path = shards_dir / entry["path"]
        mask = _mask(path, matcher)
        if not any(mask):
            continue
        table = pq.read_table(path)
        hit = pa.array(mask)
        removed = table.filter(hit)
        matched += _describe(removed, entry["path"], [i for i, m in enumerate(mask) if m], matcher)
        removed_tables.append(removed)
        before = entry["sha256"]
        _rewrite(path, table, mask, level)
        entry.update(
            rows=table.num_rows - len(removed),
            bytes=path.stat().st_size,
            sha256=file_sha256(path),
            text_bytes=int(pc.sum(text_bytes(table.filter(pc.invert(hit)))).as_py() or 0),
            row_groups=pq.ParquetFile(path).num_row_groups,
        )
        files.append({"path": f"shards/{entry['path']}", "rows_before": table.num_rows,
                      "rows_after": entry["rows"], "sha256_before": before,
                      "sha256_after": entry["sha256"]})  # fmt: skip

    log_entry: dict[str, Any] = {
        "request": asdict(request),
        "date": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "documents": len(matched),
        "matched": matched,
        "removed": {},
        "files": files,
        "megatron": [],
        "purged": [],
        "models": [],
    }
    if matched:
        removed_all = pa.concat_tables(removed_tables)
        log_entry["removed"] = _removed_figures(removed_all)
        _write_manifest(shards_dir, manifest)
        _subtract_domains(run_dir, removed_all)
        languages = sorted({m["lang"] for m in matched})
        takedown_derived.recount_tokens(shards_dir, languages)
        log_entry["megatron"] = takedown_derived.rebuild_exports(run_dir, languages, exports)
    # Also when no shard matched: a page the pipeline rejected is still in a ledger.
    ids = {m["id"] for m in matched}
    log_entry["purged"] = takedown_derived.purge_run_files(run_dir, ids, matcher)
    log_entry["models"] = takedown_derived.trained_models(run_dir)
    takedown_log.append(run_dir, log_entry)
    if matched and record.get("status") == "complete":
        publish_run(run_dir, record, shard_options(record))
    return log_entry


def _compression_level(record: dict[str, Any]) -> int:
    for stage in record["pipeline"]["stages"]:
        if stage["stage"] == "shard":
            return int(stage["params"].get("compression_level", 3))
    return 3


def _mask(path: Path, matcher: TakedownMatcher) -> list[bool]:
    """Which rows of a shard the request names; the text is read only for a content hash."""
    columns = ["id", "url", "text"] if matcher.needs_text else ["id", "url"]
    table = pq.read_table(path, columns=columns)
    ids, urls = table.column("id").to_pylist(), table.column("url").to_pylist()
    texts = table.column("text").to_pylist() if matcher.needs_text else [None] * len(ids)
    return [matcher.match(i, u, t) is not None for i, u, t in zip(ids, urls, texts, strict=True)]


def _describe(
    removed: pa.Table, shard: str, rows: list[int], matcher: TakedownMatcher
) -> list[dict[str, Any]]:
    out = []
    for row, doc in zip(rows, removed.select(["id", "url", "lang", "text"]).to_pylist(),
                        strict=True):  # fmt: skip
        hit = matcher.match(doc["id"], doc["url"], doc["text"])
        out.append({"id": doc["id"], "url": doc["url"], "lang": doc["lang"], "shard": shard,
                    "row": row, "rule": hit.kind if hit else None,
                    "text_sha256": text_sha256(doc["text"])})  # fmt: skip
    return out


def _rewrite(path: Path, table: pa.Table, mask: list[bool], level: int) -> None:
    """The shard without the masked rows, each row group losing only its own rows."""
    metadata = pq.ParquetFile(path).metadata
    groups, start = [], 0
    for g in range(metadata.num_row_groups):
        n = metadata.row_group(g).num_rows
        keep = pa.array([not m for m in mask[start : start + n]])
        groups.append(table.slice(start, n).filter(keep))
        start += n
    write_row_groups_atomic(
        groups, SHARD_SCHEMA, path, compression="zstd", compression_level=level
    )


def _removed_figures(removed: pa.Table) -> dict[str, dict[str, Any]]:
    figures = table_figures(removed)
    return {
        lang: {k: f[k] for k in (*takedown_log.FIGURES, "months")}
        for lang, f in sorted(figures.items())
    }


def _write_manifest(shards_dir: Path, manifest: dict[str, Any]) -> None:
    """The manifest with the rewritten shards' entries and language totals; nothing else
    changes (no new `created`), so its bytes depend only on the shards."""
    languages: dict[str, dict[str, int]] = {}
    for e in manifest["shards"]:
        lang = languages.setdefault(e["language"], {"shards": 0, "rows": 0, "bytes": 0})
        lang["shards"] += 1
        lang["rows"] += e["rows"]
        lang["bytes"] += e["bytes"]
    manifest["languages"] = dict(sorted(languages.items()))
    manifest["takedowns"] = manifest.get("takedowns", 0) + 1
    write_json_atomic(manifest, shards_dir / MANIFEST_NAME)


def _subtract_domains(run_dir: RunDir, removed: pa.Table) -> None:
    """reports/domains.parquet less the removed documents (a domain left with none goes)."""
    if not run_dir.domains.is_file():
        return
    minus = {(r["domain"], r["lang"]): r for r in domain_sizes(removed).to_pylist()}
    rows = []
    for r in pq.read_table(run_dir.domains).to_pylist():
        m = minus.get((r["domain"], r["lang"]))
        if m:
            r = {**r, "docs": r["docs"] - m["docs"], "bytes": r["bytes"] - m["bytes"]}
        if r["docs"] > 0:
            rows.append(r)
    rows.sort(key=lambda r: (-r["bytes"], r["domain"], r["lang"]))
    write_row_groups_atomic([pa.Table.from_pylist(rows, schema=DOMAIN_SCHEMA)], DOMAIN_SCHEMA,
                            run_dir.domains)  # fmt: skip


def add_to_manifest(path: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Appends a request's rule, and the sha256 of every text it removed, to a takedown
    manifest (created from the bundled one when absent), so later runs filter them; the file
    is validated before it replaces the old one. Returns the manifest's params."""
    import yaml

    from leam.corpus.rundir import write_text_atomic
    from leam.filters.manifest import bundled_dir, parse_manifest

    source = path if path.is_file() else bundled_dir() / "takedown.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    params = data.setdefault("params", {})
    request = entry["request"]
    additions = {
        REQUEST_FIELDS[request["kind"]]: [request["value"]],
        "text_sha256": [m["text_sha256"] for m in entry["matched"]],
    }
    for key, values in additions.items():
        listed = params.setdefault(key, [])
        listed += [v for v in values if v not in listed]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    parse_manifest(text, str(path), expected_id="takedown")  # raises ManifestError
    write_text_atomic(text, path)
    return params
