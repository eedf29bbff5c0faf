"""Tokens per language over the whole corpus, for the datasheet: shards/tokens.json.

    {"tokenizer": path relative to shards/, "tokenizer_sha256": ..., "created": ...,
     "languages": {lang: {"docs", "bytes", "tokens"}}, "total": {"docs", "bytes", "tokens"}}

Every document is counted (held-out ones included: they are part of the corpus), without
special tokens. The shard stage's datasheet and shards/stats.json read `tokens` from here;
the sha256 says which tokenizer the figures belong to.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from leam.corpus.rundir import file_sha256, write_json_atomic
from leam.tokenizer.shards import iter_docs

NAME = "tokens.json"
BATCH = 512


def count_language(tok: Tokenizer, files: list[Path]) -> dict[str, int]:
    docs = size = tokens = 0
    batch: list[str] = []

    def flush() -> int:
        n = sum(len(e.ids) for e in tok.encode_batch(batch, add_special_tokens=False))
        batch.clear()
        return n

    for _, text in iter_docs(files):
        docs += 1
        size += len(text.encode("utf-8"))
        batch.append(text)
        if len(batch) >= BATCH:
            tokens += flush()
    tokens += flush()
    return {"docs": docs, "bytes": size, "tokens": tokens}


def write_token_counts(
    tok: Tokenizer, tokenizer_file: Path, files: Mapping[str, list[Path]], shards_dir: Path
) -> dict[str, Any]:
    languages = {lang: count_language(tok, paths) for lang, paths in files.items()}
    counts = {
        "tokenizer": os.path.relpath(tokenizer_file, shards_dir),
        "tokenizer_sha256": file_sha256(tokenizer_file),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "languages": languages,
        "total": {k: sum(v[k] for v in languages.values()) for k in ("docs", "bytes", "tokens")},
    }
    write_json_atomic(counts, shards_dir / NAME)
    return counts
