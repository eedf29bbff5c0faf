"""shards/stats.json: the figures everyone asks of a corpus, per language and per stage.

    languages.<lang>   docs, words, chars, bytes (UTF-8 text), tokens (null until a tokenizer
                       counts them), shards, file_bytes, domains, top_domains, crawl_dates
    total              the same summed over languages
    stages             per stage: in, out, removed, removed_pct, by_reason, reconciled
    filters            the manifests in force, with what each removed (and redacted)
    dedup              the dedup stage's figures (clusters, removed by kind)

Per-language figures come from the shard stage's profile pass (in run.json), domain figures
from reports/domains.parquet, stage figures from run.json, tokens from shards/tokens.json
once a tokenizer has counted them (`leam tokenizer train`): nothing is recounted here.
After a takedown (corpus.publish.takedown), the figures are the shard stage's less what
takedowns.jsonl says was removed, shards and file sizes are MANIFEST.json's, and `takedowns`
summarises the requests.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from leam.corpus import takedown_log
from leam.corpus.languages import language_name
from leam.corpus.rundir import RunDir, read_json
from leam.pipelines.shard.manifest import read_manifest

TOP_DOMAINS = 10
TOKENS = "tokens.json"  # written next to the shards by the tokenizer's counting pass
SUMMED = ("docs", "words", "chars", "bytes", "shards", "file_bytes")


def shard_figures(record: dict[str, Any]) -> dict[str, Any]:
    """The shard stage's figures in a run record; an error if the run has not sharded."""
    prepared = record.get("stages", {}).get("shard", {}).get("prepared")
    if not prepared:
        raise FileNotFoundError(
            f"run {record.get('run_id')!r} has no shards: run a pipeline that ends with `shard`"
        )
    return prepared


def stage_figures(record: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, s in record["stages"].items():
        n, removed = s["docs_in"], s["docs_rejected"]
        out.append(
            {
                "stage": name,
                "in": n,
                "out": s["docs_out"],
                "removed": removed,
                "removed_pct": round(100.0 * removed / n, 2) if n else 0.0,
                "by_reason": s["rejected_by_reason"],
                "reconciled": s["reconciled"],
            }
        )
    return out


def filters_in_force(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifests a run applied (as run.json resolved them), with their effect."""
    out = []
    for entry in record["pipeline"]["stages"]:
        resolved = entry.get("params", {}).get("resolved")
        if not resolved:
            continue
        counters = record["stages"].get(entry["stage"], {}).get("counters", {})
        for m in resolved:
            written = yaml.safe_load(m.get("text") or "") or {}
            removed: dict[str, int] = {}
            redacted: dict[str, int] = {}
            for key, n in counters.items():
                parts = key.split(".")
                if parts[0] != m["id"]:
                    continue
                if len(parts) == 3 and parts[1] == "removed":
                    removed[parts[2]] = removed.get(parts[2], 0) + n
                elif len(parts) == 4 and parts[1] == "redacted":
                    redacted[parts[2]] = redacted.get(parts[2], 0) + n
            out.append(
                {
                    "stage": entry["stage"],
                    "id": m["id"],
                    "version": m["version"],
                    "sha256": m["sha256"],
                    "category": m["category"],
                    "action": m["action"],
                    "rationale": " ".join(str(written.get("rationale", "")).split()),
                    "references": written.get("references", []),
                    "removed": sum(removed.values()),
                    "removed_by_lang": dict(sorted(removed.items())),
                    "redacted": dict(sorted(redacted.items())),
                }
            )
    return out


def token_counts(run_dir: RunDir, docs: dict[str, int]) -> tuple[dict[str, int], dict]:
    """Tokens per language from shards/tokens.json, and which tokenizer counted them; none
    when the file is absent or counted other documents than the shards hold now."""
    path = run_dir.shards / TOKENS
    if not path.exists():
        return {}, {}
    counts = read_json(path)
    languages = counts.get("languages", {})
    if {lang: c.get("docs") for lang, c in languages.items()} != docs:
        return {}, {}
    tokenizer = {k: counts.get(k) for k in ("tokenizer", "tokenizer_sha256", "created")}
    return {lang: c["tokens"] for lang, c in languages.items()}, tokenizer


def published_figures(run_dir: RunDir, record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-language figures of what the shards hold now: the shard stage's, less what every
    takedown removed; shards and file sizes from MANIFEST.json once a takedown rewrote it."""
    languages = shard_figures(record)["languages"]
    entries = takedown_log.read(run_dir)
    if not entries:
        return languages
    removed = takedown_log.removed_figures(entries)
    listed = read_manifest(run_dir.shards)["shards"]
    out = {}
    for lang, f in languages.items():
        minus = removed.get(lang, {})
        g = {**f, **{k: f[k] - minus.get(k, 0) for k in takedown_log.FIGURES}}
        months = {m: n - minus.get("months", {}).get(m, 0) for m, n in f["months"].items()}
        g["months"] = {m: n for m, n in months.items() if n > 0}
        mine = [e for e in listed if e["language"] == lang]
        g.update(shards=len(mine), file_bytes=sum(e["bytes"] for e in mine))
        out[lang] = g
    return out


def build_stats(run_dir: RunDir, record: dict[str, Any]) -> dict[str, Any]:
    prepared = {**shard_figures(record), "languages": published_figures(run_dir, record)}
    tokens_by_lang, tokenizer = token_counts(
        run_dir, {lang: f["docs"] for lang, f in prepared["languages"].items()}
    )
    domains = pq.read_table(run_dir.domains)
    languages: dict[str, dict[str, Any]] = {}
    for lang, f in prepared["languages"].items():
        mine = domains.filter(pc.equal(domains.column("lang"), lang))  # largest first
        languages[lang] = {
            "name": language_name(lang),
            **{k: f[k] for k in SUMMED},
            "tokens": tokens_by_lang.get(lang),
            "domains": mine.num_rows,
            "top_domains": mine.slice(0, TOP_DOMAINS)
            .select(["domain", "docs", "bytes"])
            .to_pylist(),
            "crawl_dates": {
                "first": f["first_fetch"],
                "last": f["last_fetch"],
                "by_month": f["months"],
            },
        }
    firsts = [f["crawl_dates"]["first"] for f in languages.values() if f["crawl_dates"]["first"]]
    lasts = [f["crawl_dates"]["last"] for f in languages.values() if f["crawl_dates"]["last"]]
    tokens = [f["tokens"] for f in languages.values()]
    total = {
        **{k: sum(f[k] for f in languages.values()) for k in SUMMED},
        "tokens": sum(tokens) if tokens and None not in tokens else None,
        "languages": len(languages),
        "domains": prepared["domains"],
        "crawl_dates": {"first": min(firsts, default=None), "last": max(lasts, default=None)},
    }
    return {
        "run_id": record["run_id"],
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "languages": languages,
        "total": total,
        "stages": stage_figures(record),
        "tokenizer": tokenizer or None,
        "filters": filters_in_force(record),
        "dedup": record["stages"].get("dedup", {}).get("prepared"),
        "takedowns": takedown_log.summary(takedown_log.read(run_dir)),
    }
