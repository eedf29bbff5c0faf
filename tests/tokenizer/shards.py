"""Shards written for the tokenizer tests, in the shard stage's layout and schema
(runs/<id>/shards/<lang>/part-NNNNN.parquet, SHARD_SCHEMA), so the tests don't depend on
that stage running."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from leam.corpus.languages import EU24
from leam.corpus.schema import SHARD_SCHEMA
from tests.sample_warc import sample_pages


def write_shards(
    shards_dir: Path, texts: dict[str, list[str]], files_per_lang: int = 2
) -> dict[str, list[str]]:
    """Each language's texts over `files_per_lang` files; returns the ids per language."""
    ids: dict[str, list[str]] = {}
    for lang, docs in texts.items():
        folder = shards_dir / lang
        folder.mkdir(parents=True, exist_ok=True)
        ids[lang] = [f"{lang}-{i:06d}" for i in range(len(docs))]
        step = -(-len(docs) // files_per_lang)
        for f in range(files_per_lang):
            rows = [
                {"id": doc_id, "text": text, "lang": lang}
                for doc_id, text in zip(
                    ids[lang][f * step : (f + 1) * step],
                    docs[f * step : (f + 1) * step],
                    strict=True,
                )
            ]
            if rows:
                table = pa.Table.from_pylist(rows, schema=SHARD_SCHEMA)
                pq.write_table(table, folder / f"part-{f:05d}.parquet", compression="zstd")
    return ids


def sample_texts() -> dict[str, list[str]]:
    """The bundled sample pages: 20 documents in each of the 24 EU languages."""
    out: dict[str, list[str]] = {}
    for page in sample_pages(list(EU24)):
        out.setdefault(page.lang, []).append(f"{page.title}\n{page.text}")
    return out
