"""runs/<id>/takedowns.jsonl: every takedown request a run has received, append-only.

One JSON object per line, in the order the requests were applied:

    {"request": {"kind": "url", "value": ..., "reason": "copyright", "reference": ...},
     "date": ..., "documents": 2,
     "matched": [{id, url, lang, shard, row, rule, text_sha256}, ...],
     "removed": {lang: {docs, words, chars, bytes, months}},
     "files": [{path, rows_before, rows_after, sha256_before, sha256_after}, ...],
     "megatron": [{export, languages, files: [...]}], "purged": [{path, rows}],
     "models": [{kind, path, sha256, note}]}

A reviewer reads it as it is (`leam takedown log RUN`). The file is only ever appended to, a
whole line at a time: what was removed, and when, stays on record. It records ids, URLs and
hashes of what was removed, never the text. The figures the run publishes (stats.json, the
datasheet) subtract `removed` from the shard stage's figures, and `leam verify` fails when a
document it names is published again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from leam.corpus.rundir import RunDir

NAME = "takedowns.jsonl"
# Why content is taken down: a reviewer's categories, the free-text reference says the rest.
REASONS = ("copyright", "personal_data", "illegal_content", "other")
FIGURES = ("docs", "words", "chars", "bytes")


def log_path(run_dir: RunDir) -> Path:
    return run_dir.root / NAME


def append(run_dir: RunDir, entry: dict[str, Any]) -> None:
    """One more line, written in one call and flushed to disk before the command returns."""
    line = json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n"
    with log_path(run_dir).open("a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read(run_dir: RunDir) -> list[dict[str, Any]]:
    """Every entry; a line that is not JSON is an error naming the file and line."""
    path = log_path(run_dir)
    if not path.is_file():
        return []
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: line {n} is not JSON ({err.msg})") from None
    return entries


def removed_figures(entries: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per language, what every takedown removed from the shards (docs, words, chars, bytes
    and documents per crawl month): what the published figures subtract."""
    total: dict[str, dict[str, Any]] = {}
    for entry in entries:
        for lang, f in entry.get("removed", {}).items():
            t = total.setdefault(lang, {**dict.fromkeys(FIGURES, 0), "months": {}})
            for k in FIGURES:
                t[k] += f.get(k, 0)
            for month, n in f.get("months", {}).items():
                t["months"][month] = t["months"].get(month, 0) + n
    return total


def removed_docs(entries: Iterable[dict[str, Any]]) -> int:
    return sum(e.get("documents", 0) for e in entries)


def summary(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the datasheet, stats.json and the AI Act summary say of the takedowns."""
    if not entries:
        return None
    by_reason: dict[str, dict[str, int]] = {}
    for e in entries:
        r = by_reason.setdefault(e["request"]["reason"], {"requests": 0, "documents": 0})
        r["requests"] += 1
        r["documents"] += e.get("documents", 0)
    models = {(m["kind"], m.get("sha256")): m for e in entries for m in e.get("models", [])}
    return {
        "requests": len(entries),
        "documents": removed_docs(entries),
        "by_reason": dict(sorted(by_reason.items())),
        "first": entries[0]["date"],
        "last": entries[-1]["date"],
        "models_trained_before": list(models.values()),
    }
