"""The MMIDIDX format (trainer.indexed): bytes as Megatron-LM lays them out, round trips,
merges, the dtype rule and the errors a damaged file gives."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from leam.trainer.indexed import (
    IndexedDataset,
    IndexedDatasetBuilder,
    IndexReader,
    bin_path,
    dtype_code,
    dtype_for_vocab,
    idx_path,
)


def _build(prefix: Path, docs: list[list[int]], dtype=np.uint16) -> None:
    builder = IndexedDatasetBuilder(bin_path(prefix), np.dtype(dtype))
    for doc in docs:
        builder.add_document(np.asarray(doc))
    builder.finalize(idx_path(prefix))


def test_idx_bytes_follow_the_spec(tmp_path: Path):
    _build(tmp_path / "d", [[5, 6, 2], [7, 2]])
    raw = idx_path(tmp_path / "d").read_bytes()
    magic, version, code, sequences, doc_indices = struct.unpack("<9sQBQQ", raw[:34])
    assert (magic, version, code, sequences, doc_indices) == (b"MMIDIDX\x00\x00", 1, 8, 2, 3)
    lengths = np.frombuffer(raw, np.int32, 2, 34)
    pointers = np.frombuffer(raw, np.int64, 2, 42)
    documents = np.frombuffer(raw, np.int64, 3, 58)
    assert lengths.tolist() == [3, 2] and pointers.tolist() == [0, 6]
    assert documents.tolist() == [0, 1, 2] and len(raw) == 34 + 2 * 12 + 3 * 8
    assert np.frombuffer(bin_path(tmp_path / "d").read_bytes(), np.uint16).tolist() == [
        5,
        6,
        2,
        7,
        2,
    ]


def test_dtype_rule_is_megatrons():
    assert dtype_for_vocab(65_499) == np.uint16
    assert dtype_for_vocab(65_500) == np.int32
    assert (dtype_code(np.uint16), dtype_code(np.int32)) == (8, 4)


def test_round_trip_long_document_and_int32(tmp_path: Path):
    rng = np.random.default_rng(0)
    long = rng.integers(0, 400, 70_000).tolist()  # longer than 65,535 tokens
    docs = [[1, 2], long, [3]]
    _build(tmp_path / "u16", docs)
    data = IndexedDataset(tmp_path / "u16")
    assert len(data) == 3 and data.sequence_lengths.tolist() == [2, 70_000, 1]
    assert [data[i].tolist() for i in range(3)] == docs
    assert data.get(1, offset=69_990).tolist() == long[69_990:]
    assert data.get(1, offset=10, length=5).tolist() == long[10:15]

    big = [[70_000, 100_000, 2], [3]]
    with pytest.raises(ValueError, match="does not fit uint16"):
        _build(tmp_path / "bad", big)
    _build(tmp_path / "i32", big, np.int32)
    data = IndexedDataset(tmp_path / "i32")
    assert data.index.dtype == np.int32 and data[0].tolist() == big[0]


def test_add_index_merges_parts(tmp_path: Path):
    parts = {"a": [[1, 2, 3], [4]], "b": [], "c": [[5, 6], [7, 8, 9], [10]]}
    for name, docs in parts.items():
        _build(tmp_path / name, docs)
    builder = IndexedDatasetBuilder(bin_path(tmp_path / "all"), np.dtype(np.uint16))
    builder.add_document([11])
    for name in parts:
        builder.add_index(tmp_path / name)
    assert builder.finalize(idx_path(tmp_path / "all")) == 6
    merged = IndexedDataset(tmp_path / "all")
    expected = [[11], *parts["a"], *parts["c"]]
    assert [merged[i].tolist() for i in range(len(merged))] == expected
    assert merged.document_indices.tolist() == list(range(7))
    assert merged.index.sequence_pointers.tolist() == [0, 2, 8, 10, 14, 20]

    _build(tmp_path / "wide", [[1]], np.int32)
    other = IndexedDatasetBuilder(bin_path(tmp_path / "x"), np.dtype(np.uint16))
    with pytest.raises(ValueError, match="dtype"):
        other.add_index(tmp_path / "wide")


def test_damaged_files_are_refused(tmp_path: Path):
    _build(tmp_path / "d", [[1, 2], [3]])
    raw = idx_path(tmp_path / "d").read_bytes()
    idx_path(tmp_path / "v").write_bytes(raw[:9] + struct.pack("<Q", 2) + raw[17:])
    with pytest.raises(ValueError, match="version 2"):
        IndexReader(idx_path(tmp_path / "v"))
    idx_path(tmp_path / "t").write_bytes(raw[:-8])
    with pytest.raises(ValueError, match="the header says"):
        IndexReader(idx_path(tmp_path / "t"))
    bin_path(tmp_path / "d").write_bytes(bin_path(tmp_path / "d").read_bytes()[:-2])
    with pytest.raises(ValueError, match="the index says"):
        IndexedDataset(tmp_path / "d")
