"""MANIFEST.json: what the shards folder holds (the shard stage writes it; publish and
the Megatron export read it), so that anyone can check it holds just that.

    {"format": "leam-shards/1", "run_id": ..., "created": ..., "schema": [[name, type], ...],
     "shuffle": {...}, "languages": {lang: {shards, rows, bytes}},
     "shards": [{path, language, rows, bytes, sha256, text_bytes, row_groups, run_id}, ...]}

`path` is relative to the shards folder; `bytes` is the file's size; `sha256` that of its
bytes (so `sha256sum` agrees); `schema` the Arrow schema every shard has, as names and type
strings (readable, and compared as they are by `leam verify`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

from leam.corpus.rundir import read_json, write_json_atomic

NAME = "MANIFEST.json"
FORMAT = "leam-shards/1"


def describe_schema(schema: pa.Schema) -> list[list[str]]:
    """[name, type] per field: what a manifest records and what verify compares."""
    return [[f.name, str(f.type)] for f in schema]


def write_manifest(
    shards_dir: Path,
    run_id: str,
    schema: pa.Schema,
    entries: list[dict[str, Any]],
    shuffle: dict[str, Any],
) -> dict[str, Any]:
    languages: dict[str, dict[str, int]] = {}
    for e in entries:
        lang = languages.setdefault(e["language"], {"shards": 0, "rows": 0, "bytes": 0})
        lang["shards"] += 1
        lang["rows"] += e["rows"]
        lang["bytes"] += e["bytes"]
    manifest = {
        "format": FORMAT,
        "run_id": run_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "schema": describe_schema(schema),
        "shuffle": shuffle,
        "languages": dict(sorted(languages.items())),
        "shards": [{**e, "run_id": run_id} for e in entries],
    }
    write_json_atomic(manifest, shards_dir / NAME)
    return manifest


def read_manifest(shards_dir: Path) -> dict[str, Any]:
    path = shards_dir / NAME
    if not path.is_file():
        raise FileNotFoundError(f"{shards_dir}: no {NAME} (not a shards folder?)")
    manifest = read_json(path)
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    return manifest
