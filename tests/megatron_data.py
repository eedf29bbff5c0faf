"""Inputs of the Megatron export tests: shards in the shard stage's layout and schema
(<shards>/<lang>/part-NNNNN.parquet, SHARD_SCHEMA) and a tiny byte-level BPE trained
in-process (a second), so the tests depend on neither the shard stage nor the tokenizer
trainer running."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from leam.corpus.schema import SHARD_SCHEMA, doc_id
from tests.sample_warc import sample_pages

SPECIALS = ["<pad>", "<s>", "</s>"]  # ids 0, 1, 2, as our tokenizers have them


def train_tiny_tokenizer(folder: Path, vocab_size: int = 400) -> Path:
    """tokenizer.json + tokenizer_config.json (naming EOS) in `folder`; returns the folder."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([p.text for p in sample_pages(["en", "de", "el"], 10)], trainer)
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    config = {"eos_token": "</s>", "bos_token": "<s>", "pad_token": "<pad>"}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def shard_row(lang: str, i: int, text: str | None) -> dict:
    url = f"https://site-{i % 3}.example/{lang}/{i}"
    record = f"<urn:uuid:{lang}-{i}>"
    source = {"warc_file": f"crawl-{i % 2}.warc.gz", "offset": 1000 * i, "record_id": record,
              "warc_date": "2024-05-01T08:00:00Z"}  # fmt: skip
    return {"id": doc_id(url, record), "url": url, "text": text, "lang": lang, "source": source}


def write_shard(path: Path, rows: list[dict], row_group_rows: int = 4) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=SHARD_SCHEMA)
    pq.write_table(table, path, compression="zstd", row_group_size=row_group_rows)


def write_sample_shards(shards_dir: Path, langs: list[str], per_file: int = 7) -> dict[str, list]:
    """The bundled sample pages of `langs`, a few shard files per language; returns the rows
    per language in shard order (what the export must reproduce, in that order)."""
    rows: dict[str, list] = {}
    for lang in langs:
        texts = [p.text for p in sample_pages([lang])]
        rows[lang] = [shard_row(lang, i, t) for i, t in enumerate(texts)]
        for f, start in enumerate(range(0, len(texts), per_file)):
            write_shard(
                shards_dir / lang / f"part-{f:05d}.parquet", rows[lang][start : start + per_file]
            )
    return rows
