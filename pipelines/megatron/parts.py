"""Megatron export, the work of one worker: a shard into token files, or parts into one.

`tokenize_shard` turns one shard (runs/<id>/shards/<lang>/part-NNNNN.parquet) into a part
dataset (trainer.indexed: .bin + .idx) and its lineage (.lineage.parquet: one row per
document of the part, in order), then writes its marker; a rerun whose marker matches the
shard's fingerprint does nothing. `merge_language` concatenates a language's parts into
<lang>_text_document.{bin,idx,lineage.parquet}, copying token bytes in chunks.

Every document becomes one sequence: its tokens (no special tokens added by the tokenizer's
template) then EOS. A document with no text has no tokens and is left out (counted as
`empty_documents`): a sequence of EOS alone teaches nothing, and Megatron-LM's sample
index cannot use empty sequences.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tokenizers import Tokenizer

from leam.corpus.rundir import TMP_PREFIX, file_sha256, write_json_atomic
from leam.corpus.schema import SOURCE_TYPE
from leam.tokenizer.hf_files import CONFIG_JSON, TOKENIZER_JSON
from leam.trainer.indexed import (
    IndexedDatasetBuilder,
    IndexReader,
    bin_path,
    dtype_for_vocab,
    idx_path,
)

# Tried in order when neither the caller nor tokenizer_config.json names the EOS token.
EOS_CANDIDATES = ("</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|im_end|>")
SHARD_COLUMNS = ["id", "text", "url", "source"]
LINEAGE_SUFFIX = ".lineage.parquet"  # beside a token file's .bin and .idx

# One row per document of a token file, row i = document (sequence) i.
LINEAGE_SCHEMA = pa.schema(
    [
        ("index", pa.int64()),  # the document's index in the .bin/.idx
        ("id", pa.string()),  # document id (corpus.schema)
        ("url", pa.string()),
        ("shard", pa.string()),  # the shard it came from, relative to the shards folder
        ("row", pa.int64()),  # its row in that shard
        ("tokens", pa.int32()),  # its sequence length, EOS included
        ("source", SOURCE_TYPE),  # WARC file, record offset, record id, fetch date
    ]
)


@dataclass(frozen=True)
class TokenizerInfo:
    """What a worker needs to load the tokenizer, and what the export records of it."""

    path: str  # tokenizer.json
    sha256: str
    vocab_size: int
    eos_token: str
    eos_id: int
    dtype: str  # "uint16" or "int32"

    def record(self) -> dict[str, Any]:
        return asdict(self)


def resolve_tokenizer(path: Path, eos_token: str | None = None) -> TokenizerInfo:
    """A tokenizer.json (or a folder holding one) and its EOS token.

    EOS is, in order: the one given, the `eos_token` of tokenizer_config.json beside it (as
    transformers and Megatron-LM's HuggingFaceTokenizer use it), the first of
    EOS_CANDIDATES in the vocabulary.
    """
    file = path / TOKENIZER_JSON if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no {TOKENIZER_JSON} (train one: leam tokenizer train)")
    tok = Tokenizer.from_file(str(file))
    eos = eos_token or _configured_eos(file.parent / CONFIG_JSON)
    if eos is None:
        eos = next((t for t in EOS_CANDIDATES if tok.token_to_id(t) is not None), None)
    if eos is None or tok.token_to_id(eos) is None:
        raise ValueError(f"{file}: no EOS token {eos or ''} in the vocabulary; give --eos-token")
    vocab = tok.get_vocab_size(with_added_tokens=True)
    return TokenizerInfo(
        path=str(file.resolve()),
        sha256=file_sha256(file),
        vocab_size=vocab,
        eos_token=eos,
        eos_id=tok.token_to_id(eos),
        dtype=dtype_for_vocab(vocab).name,
    )


def _configured_eos(config: Path) -> str | None:
    if not config.is_file():
        return None
    value = json.loads(config.read_text()).get("eos_token")
    return value.get("content") if isinstance(value, dict) else value


@functools.lru_cache(maxsize=2)
def _load(path: str, sha256: str) -> Tokenizer:
    """Once per worker process (the sha in the key: a changed file is loaded again)."""
    return Tokenizer.from_file(path)


@dataclass(frozen=True)
class PartJob:
    lang: str
    shard: str  # the shard file
    shard_name: str  # relative to the shards folder: what lineage records
    fingerprint: str  # sha256 of the shard: a changed shard is tokenized again
    prefix: str  # the part's prefix in the export's work folder
    tokenizer: TokenizerInfo
    batch_docs: int = 1000

    @property
    def marker(self) -> Path:
        prefix = Path(self.prefix)
        return prefix.with_name(f"_DONE.{prefix.name}")


def tokenize_shard(job: PartJob) -> dict[str, Any]:
    """Tokenize one shard into a part; returns (and stores in the marker) its figures."""
    if job.marker.is_file():
        done = json.loads(job.marker.read_text())
        if done.get("fingerprint") == job.fingerprint:
            return {**done, "skipped": True}
    prefix = Path(job.prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    tmp = prefix.with_name(f"{TMP_PREFIX}{os.getpid()}-{prefix.name}")
    tok = _load(job.tokenizer.path, job.tokenizer.sha256)
    encode = getattr(tok, "encode_batch_fast", tok.encode_batch)  # no offsets: faster
    eos = job.tokenizer.eos_id
    builder = IndexedDatasetBuilder(bin_path(tmp), np.dtype(job.tokenizer.dtype))
    lineage = pq.ParquetWriter(lineage_path(tmp), LINEAGE_SCHEMA, compression="zstd")
    row = docs = empty = tokens = 0
    for batch in pq.ParquetFile(job.shard).iter_batches(
        columns=SHARD_COLUMNS, batch_size=job.batch_docs
    ):
        texts = batch.column("text").to_pylist()
        keep = [i for i, text in enumerate(texts) if text]
        encodings = encode([texts[i] for i in keep], add_special_tokens=False)
        lengths = [len(e.ids) + 1 for e in encodings]
        flat = np.fromiter(
            chain.from_iterable(chain(e.ids, (eos,)) for e in encodings),
            dtype=np.int64,
            count=sum(lengths),
        )
        builder.add_documents(flat, lengths)
        lineage.write_table(_lineage_rows(batch, keep, lengths, docs, row, job.shard_name))
        row += batch.num_rows
        docs += len(keep)
        empty += batch.num_rows - len(keep)
        tokens += len(flat)
    builder.finalize(idx_path(tmp))
    lineage.close()
    os.replace(lineage_path(tmp), lineage_path(prefix))
    os.replace(bin_path(tmp), bin_path(prefix))
    os.replace(idx_path(tmp), idx_path(prefix))
    done = {
        "lang": job.lang,
        "shard": job.shard_name,
        "fingerprint": job.fingerprint,
        "documents": docs,
        "empty_documents": empty,
        "tokens": tokens,
    }
    write_json_atomic(done, job.marker)
    return {**done, "skipped": False}


def _lineage_rows(
    batch: pa.RecordBatch, keep: list[int], lengths: list[int], first: int, row0: int, shard: str
) -> pa.Table:
    take = pa.array(keep, type=pa.int64())
    return pa.table(
        {
            "index": pa.array(np.arange(first, first + len(keep), dtype=np.int64)),
            "id": batch.column("id").take(take),
            "url": batch.column("url").take(take),
            "shard": pa.array([shard] * len(keep), type=pa.string()),
            "row": pa.array(np.asarray(keep, dtype=np.int64) + row0),
            "tokens": pa.array(lengths, type=pa.int32()),
            "source": batch.column("source").take(take),
        },
        schema=LINEAGE_SCHEMA,
    )


def lineage_path(prefix: str | Path) -> Path:
    return Path(f"{prefix}{LINEAGE_SUFFIX}")


@dataclass(frozen=True)
class MergeJob:
    lang: str
    parts: tuple[str, ...]  # part prefixes, in shard order
    prefix: str  # <out>/<lang>_text_document
    dtype: str


def merge_language(job: MergeJob) -> dict[str, Any]:
    """The language's parts as one dataset and one lineage file (index = document index)."""
    prefix = Path(job.prefix)
    tmp = prefix.with_name(f"{TMP_PREFIX}{os.getpid()}-{prefix.name}")
    builder = IndexedDatasetBuilder(bin_path(tmp), np.dtype(job.dtype))
    offset = 0
    with pq.ParquetWriter(lineage_path(tmp), LINEAGE_SCHEMA, compression="zstd") as out:
        for part in job.parts:
            builder.add_index(part)
            table = pq.read_table(lineage_path(part), schema=LINEAGE_SCHEMA)
            index = pc.add(table.column("index"), pa.scalar(offset, pa.int64()))
            out.write_table(table.set_column(0, "index", index))
            offset += table.num_rows
    count = builder.finalize(idx_path(tmp))
    if count != offset:
        raise RuntimeError(f"{job.lang}: {count} sequences but {offset} lineage rows")
    os.replace(lineage_path(tmp), lineage_path(prefix))
    os.replace(bin_path(tmp), bin_path(prefix))
    os.replace(idx_path(tmp), idx_path(prefix))  # last: an .idx means the prefix is whole
    index = IndexReader(idx_path(prefix))
    return {"documents": len(index), "tokens": index.num_tokens}
