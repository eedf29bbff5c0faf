"""Reading the published shards (runs/<id>/shards/<lang>/part-NNNNN.parquet) as a stream.

Only the `id` and `text` columns are read, a record batch at a time, so memory stays flat
however large the corpus is. The language comes from the folder, as the shard stage writes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from leam.corpus.schema import SHARD_SCHEMA

BATCH_ROWS = 1024


def shard_files(shards_dir: Path, languages: list[str] | None = None) -> dict[str, list[Path]]:
    """Shard files per language folder, sorted (so every pass reads the same order)."""
    if not shards_dir.is_dir():
        raise FileNotFoundError(f"{shards_dir}: no shards folder (run a pipeline ending in shard)")
    found = {
        d.name: sorted(d.glob("part-*.parquet"))
        for d in sorted(shards_dir.iterdir())
        if d.is_dir() and not d.name.startswith((".", "_"))
    }
    found = {lang: files for lang, files in found.items() if files}
    if languages is not None:
        missing = sorted(set(languages) - set(found))
        if missing:
            raise FileNotFoundError(f"{shards_dir}: no shards for {', '.join(missing)}")
        found = {lang: found[lang] for lang in languages}
    if not found:
        raise FileNotFoundError(f"{shards_dir}: no <lang>/part-*.parquet shards")
    return found


def iter_docs(files: list[Path]) -> Iterator[tuple[str, str]]:
    """(id, text) of every document in the files, in file and row order."""
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(
            columns=["id", "text"], batch_size=BATCH_ROWS
        ):
            ids, texts = batch.column(0).to_pylist(), batch.column(1).to_pylist()
            for doc_id, text in zip(ids, texts, strict=True):
                if text:
                    yield doc_id, text


def resolve_shards_dir(source: Path) -> Path:
    """A run directory (runs/<id>) or its shards folder: the shards folder.

    Only published shards are read: a run directory without shards/ (a run of `leam
    extract`, say) is refused, as is a folder whose Parquet files are not shards. Taking
    its stage folders for languages would export text from before language ID, filters and
    redaction.
    """
    if (source / "shards").is_dir():
        return source / "shards"
    if (source / "run.json").is_file():
        raise FileNotFoundError(
            f"{source}: run has no shards/ (only a pipeline that ends with the shard stage "
            f"publishes them, e.g. `leam run eu24 ...`)"
        )
    for files in shard_files(source).values():
        schema = pq.read_schema(files[0])
        if not schema.equals(SHARD_SCHEMA):
            raise FileNotFoundError(
                f"{files[0]}: not a shard (its columns are not the shard schema); "
                f"give a run directory or its shards/ folder"
            )
    return source
