"""Megatron-LM's indexed dataset (MMIDIDX, version 1): the one place that specifies it.

The export writes these files (pipelines.megatron_tokenize) and the bundled trainer reads
them; so do Megatron-LM and NeMo, without conversion. A dataset is a prefix with two files:

    <prefix>.bin   the token ids of every sequence, back to back, in the index's dtype
    <prefix>.idx   little-endian:
                     9 bytes     b"MMIDIDX\\x00\\x00"
                     u64         version, 1
                     u8          dtype code (DTYPE_CODES)
                     u64         S, the number of sequences
                     u64         D, the number of document indices (documents + 1)
                     int32[S]    sequence lengths, in tokens
                     int64[S]    sequence pointers: byte offset of each sequence in .bin
                     int64[D]    document indices: the sequence each document starts at,
                                 then S (so document d is sequences [D[d], D[d+1]))

We write one sequence per document (EOS is its last token), so D = S + 1 and
document_indices = 0, 1, ..., S. Tokens are uint16 when the vocabulary has fewer than
65,500 entries, int32 otherwise: Megatron-LM's own rule (DType.optimal_dtype), so our files
match what its preprocess_data.py would write. Lengths are int32 whatever the dtype, so a
document may be longer than 65,535 tokens.

Small classes, as Megatron-LM has them: IndexWriter writes an .idx from its sections
(streamed in chunks, so an index of any size takes bounded memory); IndexReader maps an .idx;
IndexedDataset reads sequences through both files; IndexedDatasetBuilder appends documents or
whole datasets to a .bin and finishes with the .idx. Only numpy: no torch is needed to
write or read these files.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
HEADER = struct.Struct("<9sQBQQ")  # magic, version, dtype code, sequences, document indices
DTYPE_CODES: dict[int, type[np.number]] = {
    1: np.uint8,
    2: np.int8,
    3: np.int16,
    4: np.int32,
    5: np.int64,
    6: np.float64,
    7: np.float32,
    8: np.uint16,
}
UINT16_VOCAB_LIMIT = 65_500  # Megatron-LM: vocabularies of this size or more get int32
COPY_CHUNK = 16 << 20  # bytes copied at a time when appending a dataset
INDEX_CHUNK = 1 << 20  # entries streamed at a time when writing an index


def bin_path(prefix: str | Path) -> Path:
    return Path(f"{prefix}.bin")


def idx_path(prefix: str | Path) -> Path:
    return Path(f"{prefix}.idx")


def dtype_for_vocab(vocab_size: int) -> np.dtype:
    """uint16 below 65,500 entries, else int32 (Megatron-LM's DType.optimal_dtype)."""
    return np.dtype(np.uint16 if vocab_size < UINT16_VOCAB_LIMIT else np.int32)


def dtype_code(dtype: np.dtype | type) -> int:
    dtype = np.dtype(dtype)
    for code, candidate in DTYPE_CODES.items():
        if np.dtype(candidate) == dtype:
            return code
    raise ValueError(f"{dtype} has no MMIDIDX dtype code")


class IndexWriter:
    """Writes an .idx: header, then lengths, pointers and document indices in that order.

    Each section comes as an iterable of arrays, consumed chunk by chunk, and the counts are
    checked against the header, so a writer bug cannot produce a file that reads wrongly.
    """

    def __init__(self, path: Path, dtype: np.dtype) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)

    def write(
        self,
        sequence_count: int,
        lengths: Iterable[np.ndarray],
        pointers: Iterable[np.ndarray],
        document_indices: Iterable[np.ndarray],
        document_index_count: int,
    ) -> None:
        header = HEADER.pack(
            MAGIC, VERSION, dtype_code(self.dtype), sequence_count, document_index_count
        )
        with self.path.open("wb") as out:
            out.write(header)
            _write_section(out, lengths, np.int32, sequence_count, "sequence lengths")
            _write_section(out, pointers, np.int64, sequence_count, "sequence pointers")
            _write_section(
                out, document_indices, np.int64, document_index_count, "document indices"
            )


def _write_section(
    out: BinaryIO, chunks: Iterable[np.ndarray], dtype: type, expected: int, what: str
) -> None:
    written = 0
    for chunk in chunks:
        out.write(np.ascontiguousarray(chunk, dtype=dtype).tobytes())
        written += len(chunk)
    if written != expected:
        raise ValueError(f"index: {written} {what} written, header says {expected}")


class IndexReader:
    """An .idx, memory-mapped: the three sections as read-only numpy arrays."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with self.path.open("rb") as f:
            raw = f.read(HEADER.size)
        if len(raw) < HEADER.size:
            raise ValueError(f"{path}: too short for an MMIDIDX index")
        magic, version, code, sequences, doc_indices = HEADER.unpack(raw)
        if magic != MAGIC:
            raise ValueError(f"{path}: not an MMIDIDX index (magic {magic!r})")
        if version != VERSION:
            raise ValueError(f"{path}: MMIDIDX version {version}, only {VERSION} is known")
        if code not in DTYPE_CODES:
            raise ValueError(f"{path}: unknown dtype code {code}")
        self.dtype = np.dtype(DTYPE_CODES[code])
        expected = HEADER.size + sequences * (4 + 8) + doc_indices * 8
        if self.path.stat().st_size != expected:
            raise ValueError(
                f"{path}: {self.path.stat().st_size} bytes, the header says {expected}"
            )
        buffer = np.memmap(self.path, dtype=np.uint8, mode="r") if expected else None
        offset = HEADER.size
        self.sequence_lengths = _view(buffer, np.int32, sequences, offset)
        offset += sequences * 4
        self.sequence_pointers = _view(buffer, np.int64, sequences, offset)
        offset += sequences * 8
        self.document_indices = _view(buffer, np.int64, doc_indices, offset)

    def __len__(self) -> int:
        return len(self.sequence_lengths)

    @property
    def num_tokens(self) -> int:
        return int(self.sequence_lengths.sum(dtype=np.int64))


def _view(buffer: np.memmap | None, dtype: type, count: int, offset: int) -> np.ndarray:
    if buffer is None or count == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)


class IndexedDataset:
    """Sequences of a prefix: dataset[i] is the token array of sequence (document) i."""

    def __init__(self, prefix: str | Path) -> None:
        self.prefix = Path(prefix)
        self.index = IndexReader(idx_path(prefix))
        size = bin_path(prefix).stat().st_size
        expected = self.index.num_tokens * self.index.dtype.itemsize
        if size != expected:
            raise ValueError(f"{bin_path(prefix)}: {size} bytes, the index says {expected}")
        self._bin = np.memmap(bin_path(prefix), dtype=self.index.dtype, mode="r") if size else None

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.get(i)

    def get(self, i: int, offset: int = 0, length: int | None = None) -> np.ndarray:
        """Tokens of sequence i from `offset`, `length` of them (default: to its end)."""
        seq_len = int(self.index.sequence_lengths[i])
        if length is None:
            length = seq_len - offset
        if offset < 0 or length < 0 or offset + length > seq_len:
            raise IndexError(f"tokens [{offset}, {offset + length}) of a {seq_len}-token sequence")
        if length == 0 or self._bin is None:
            return np.zeros(0, dtype=self.index.dtype)
        start = int(self.index.sequence_pointers[i]) // self.index.dtype.itemsize + offset
        return np.asarray(self._bin[start : start + length])

    @property
    def sequence_lengths(self) -> np.ndarray:
        return self.index.sequence_lengths

    @property
    def document_indices(self) -> np.ndarray:
        return self.index.document_indices

    @property
    def num_tokens(self) -> int:
        return self.index.num_tokens


class IndexedDatasetBuilder:
    """Appends documents, or whole datasets, to a .bin; `finalize` writes the .idx.

    Documents arrive as token arrays (EOS included by the caller); a whole dataset is
    appended by copying its .bin in chunks and streaming its lengths at `finalize`, so
    merging parts never holds their tokens in memory. One sequence per document.
    """

    def __init__(self, bin_file: Path, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.bin_file = bin_file
        self._out = bin_file.open("wb")
        self._segments: list[np.ndarray | IndexReader] = []  # lengths, in order
        self._pending: list[int] = []

    def add_document(self, tokens: np.ndarray | list[int]) -> None:
        self.add_documents(np.asarray(tokens), [len(tokens)])

    def add_documents(self, tokens: np.ndarray, lengths: Iterable[int]) -> None:
        """Several documents at once: `tokens` back to back, `lengths` of each."""
        lengths = list(lengths)
        if sum(lengths) != len(tokens):
            raise ValueError(f"{len(tokens)} tokens for lengths summing to {sum(lengths)}")
        if len(tokens) and self.dtype == np.uint16 and (tokens.min() < 0 or tokens.max() > 65535):
            raise ValueError("a token id does not fit uint16; the vocabulary needs int32")
        self._out.write(np.ascontiguousarray(tokens, dtype=self.dtype).tobytes())
        self._pending.extend(lengths)
        if len(self._pending) >= INDEX_CHUNK:
            self._seal()

    def add_index(self, prefix: str | Path) -> None:
        """Append every sequence of another dataset with the same dtype."""
        index = IndexReader(idx_path(prefix))
        if index.dtype != self.dtype:
            raise ValueError(f"{prefix}: dtype {index.dtype}, this dataset has {self.dtype}")
        self._seal()
        with bin_path(prefix).open("rb") as src:
            shutil.copyfileobj(src, self._out, COPY_CHUNK)
        self._segments.append(index)

    def _seal(self) -> None:
        if self._pending:
            self._segments.append(np.asarray(self._pending, dtype=np.int32))
            self._pending = []

    def finalize(self, idx_file: Path) -> int:
        """Close the .bin and write the .idx; returns the number of documents."""
        self._seal()
        self._out.close()
        count = sum(len(s) for s in self._segments)
        IndexWriter(idx_file, self.dtype).write(
            count,
            self._lengths(),
            self._pointers(),
            _ranges(count + 1),
            count + 1,
        )
        return count

    def _lengths(self) -> Iterator[np.ndarray]:
        for segment in self._segments:
            lengths = segment.sequence_lengths if isinstance(segment, IndexReader) else segment
            for start in range(0, len(lengths), INDEX_CHUNK):
                yield lengths[start : start + INDEX_CHUNK]

    def _pointers(self) -> Iterator[np.ndarray]:
        """Byte offsets: the exclusive running sum of lengths × itemsize."""
        offset = 0
        for lengths in self._lengths():
            if not len(lengths):
                continue
            ends = np.cumsum(lengths, dtype=np.int64) * self.dtype.itemsize
            yield offset + np.concatenate(([0], ends[:-1]))
            offset += int(ends[-1])


def _ranges(count: int) -> Iterator[np.ndarray]:
    for start in range(0, count, INDEX_CHUNK):
        yield np.arange(start, min(count, start + INDEX_CHUNK), dtype=np.int64)
