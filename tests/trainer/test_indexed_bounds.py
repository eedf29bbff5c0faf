"""Reading a Megatron token file at its bounds: a slice ending exactly at a sequence's end,
one token past it, empty slices, and files whose sequences are all empty."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leam.trainer.indexed import IndexedDataset, IndexedDatasetBuilder, bin_path, idx_path


def _build(prefix: Path, docs: list[list[int]], dtype=np.uint16) -> IndexedDataset:
    builder = IndexedDatasetBuilder(bin_path(prefix), np.dtype(dtype))
    for doc in docs:
        builder.add_document(np.asarray(doc))
    builder.finalize(idx_path(prefix))
    return IndexedDataset(prefix)


def test_slices_up_to_the_end_and_not_one_token_past(tmp_path: Path):
    data = _build(tmp_path / "d", [[5, 6, 7], [8, 9]])
    assert data.prefix == tmp_path / "d"
    assert data.get(0, offset=1, length=2).tolist() == [6, 7]  # ends exactly at the end
    assert data.get(1, offset=1, length=1).tolist() == [9]
    assert data.get(1, offset=2).tolist() == [] and data.get(1, offset=2).dtype == np.uint16
    assert data.get(0, offset=0, length=0).dtype == np.uint16
    with pytest.raises(IndexError, match=r"^tokens \[1, 4\) of a 3-token sequence$"):
        data.get(0, offset=1, length=3)
    with pytest.raises(IndexError, match=r"^tokens \[-1, 1\) of a 3-token sequence$"):
        data.get(0, offset=-1, length=2)
    with pytest.raises(IndexError, match=r"^tokens \[1, 0\) of a 3-token sequence$"):
        data.get(0, offset=1, length=-1)


def test_a_file_of_empty_sequences(tmp_path: Path):
    data = _build(tmp_path / "e", [[], []], dtype=np.int32)
    assert len(data) == 2 and bin_path(tmp_path / "e").stat().st_size == 0
    assert data[0].tolist() == [] and data[1].dtype == np.int32


def test_a_token_file_of_the_wrong_size_is_refused(tmp_path: Path):
    _build(tmp_path / "d", [[1, 2, 3]])
    with bin_path(tmp_path / "d").open("ab") as f:
        f.write(b"\0\0")
    with pytest.raises(ValueError, match=r"d\.bin: 8 bytes, the index says 6$"):
        IndexedDataset(tmp_path / "d")
