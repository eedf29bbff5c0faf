"""The trainer's data: Megatron-LM's GPT dataset and blend over our export, numpy only.

    python -m trainer.data runs/x/megatron     # prints the blend, splits and a sample

An export folder holds `<lang>_text_document.bin/.idx` (read through a memory map by
trainer.indexed, never copied into RAM) and blend.json (weight per language). As in
Megatron-LM (megatron/core/datasets/gpt_dataset.py, blended_dataset.py):

- each language's documents are split into train / valid / test ranges (`--split`);
- a GPTDataset over one range builds three indices: the document index (the range's
  documents, shuffled, once per epoch, epochs back to back), the sample index (where sample
  i starts: position in the document index and token offset; a sample is seq_length + 1
  tokens of the documents concatenated, so consecutive samples share one token and an
  epoch's tokens are each read once) and the shuffle index (the order samples are served);
- a BlendedDataset picks, for global sample i, the language whose share so far lags its
  weight the most (Megatron's build_blending_indices): no randomness, exact proportions.

Indices are built once and cached as .npy files named by a hash of what determines them
(data path, seed, seq_length, document range, sample count), written atomically, so every
data-parallel rank and every resumed run loads the same arrays.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from leam.trainer.indexed import IndexedDataset

BLEND = "blend.json"
EXPORT = "export.json"


def split_ranges(split: str, num_docs: int) -> list[tuple[int, int]]:
    """`"969,30,1"` → document ranges for train, valid, test (Megatron's get_split_indices)."""
    parts = [float(x) for x in split.replace("/", ",").split(",")]
    parts += [0.0] * (3 - len(parts))
    if len(parts) != 3 or min(parts) < 0 or sum(parts) <= 0:
        raise ValueError(f"split {split!r}: three non-negative numbers, e.g. 969,30,1")
    shares = [p / sum(parts) for p in parts]
    bounds = [0]
    for share in shares:
        bounds.append(bounds[-1] + round(share * num_docs))
    excess = bounds[-1] - num_docs  # rounding may overshoot; Megatron takes it off every bound
    bounds = [0] + [b - excess for b in bounds[1:]]
    return [(bounds[i], bounds[i + 1]) for i in range(3)]


def build_document_index(
    docs: np.ndarray, num_epochs: int, rng: np.random.RandomState
) -> np.ndarray:
    """The documents once per epoch, each epoch shuffled: (num_epochs · len(docs),)."""
    epochs = []
    for _ in range(num_epochs):
        epoch = docs.astype(np.int64).copy()
        rng.shuffle(epoch)
        epochs.append(epoch)
    return np.concatenate(epochs) if epochs else np.zeros(0, np.int64)


def build_sample_index(
    lengths: np.ndarray, document_index: np.ndarray, seq_length: int, num_samples: int
) -> np.ndarray:
    """(num_samples + 1, 2): sample i starts at token i·seq_length of the concatenation of
    `document_index`'s documents, as (position in document_index, offset in that document).

    Sample i is tokens [i·T, (i+1)·T] inclusive: T inputs and T targets shifted by one.
    """
    doc_lengths = lengths[document_index].astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(doc_lengths)))  # (D + 1,)
    if num_samples * seq_length >= starts[-1]:
        raise ValueError(f"{num_samples} samples need more than {starts[-1]} tokens")
    positions = np.arange(num_samples + 1, dtype=np.int64) * seq_length
    doc_pos = np.searchsorted(starts, positions, side="right") - 1  # skips empty documents
    return np.stack([doc_pos, positions - starts[doc_pos]], axis=1)


class GPTDataset:
    """`num_samples` samples of seq_length + 1 tokens from documents [first, last) of a file."""

    def __init__(
        self,
        data: IndexedDataset,
        doc_range: tuple[int, int],
        seq_length: int,
        num_samples: int,
        seed: int,
        cache_dir: Path,
    ) -> None:
        self.data, self.seq_length, self.num_samples = data, seq_length, num_samples
        docs = np.arange(*doc_range, dtype=np.int64)
        lengths = data.sequence_lengths
        tokens_per_epoch = int(lengths[docs].sum(dtype=np.int64))
        if tokens_per_epoch <= seq_length:
            raise ValueError(
                f"{data.prefix.name}: documents {doc_range} hold {tokens_per_epoch} tokens, "
                f"fewer than one sample of {seq_length + 1}"
            )
        num_epochs = 1
        while (num_epochs * tokens_per_epoch - 1) // seq_length < num_samples:
            num_epochs += 1
        self.num_epochs = num_epochs
        key = _key(
            path=str(data.prefix.resolve()), seed=seed, seq_length=seq_length,
            doc_range=list(doc_range), num_samples=num_samples, kind="gpt",
        )  # fmt: skip

        def build() -> dict[str, np.ndarray]:
            rng = np.random.RandomState(seed)
            document_index = build_document_index(docs, num_epochs, rng)
            sample_index = build_sample_index(lengths, document_index, seq_length, num_samples)
            shuffle_index = rng.permutation(num_samples).astype(np.int64)
            return {"document_index": document_index, "sample_index": sample_index,
                    "shuffle_index": shuffle_index}  # fmt: skip

        arrays = cached(cache_dir, f"{data.prefix.name}-{key}", build)
        self.document_index = arrays["document_index"]
        self.sample_index = arrays["sample_index"]
        self.shuffle_index = arrays["shuffle_index"]

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, i: int) -> np.ndarray:
        """The i-th sample served (through the shuffle index): (seq_length + 1,) int64."""
        return self.unshuffled(int(self.shuffle_index[i]))

    def unshuffled(self, j: int) -> np.ndarray:
        (first, offset), (last, end) = self.sample_index[j], self.sample_index[j + 1]
        if first == last:
            tokens = self.data.get(
                int(self.document_index[first]), int(offset), int(end - offset + 1)
            )
            return tokens.astype(np.int64)
        pieces = [self.data.get(int(self.document_index[first]), int(offset))]
        pieces += [self.data.get(int(self.document_index[k])) for k in range(first + 1, last)]
        pieces.append(self.data.get(int(self.document_index[last]), 0, int(end + 1)))
        return np.concatenate(pieces).astype(np.int64)


def build_blending_indices(weights: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of `size` samples: which dataset, and which of that dataset's samples.

    Megatron-LM's greedy rule: the dataset whose count lags weight · samples the most.
    """
    weights = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    w = weights.tolist()
    counts = [0] * len(w)
    dataset_index = np.zeros(size, dtype=np.int16)
    dataset_sample_index = np.zeros(size, dtype=np.int64)
    for i in range(size):
        n = max(float(i), 1.0)
        errors = [w[d] * n - counts[d] for d in range(len(w))]
        d = errors.index(max(errors))
        dataset_index[i] = d
        dataset_sample_index[i] = counts[d]
        counts[d] += 1
    return dataset_index, dataset_sample_index


class BlendedDataset:
    """Sample i of the blend: sample dataset_sample_index[i] of dataset dataset_index[i]."""

    def __init__(
        self,
        datasets: list[GPTDataset],
        dataset_index: np.ndarray,
        dataset_sample_index: np.ndarray,
    ) -> None:
        self.datasets = datasets
        self.dataset_index = dataset_index
        self.dataset_sample_index = dataset_sample_index

    def __len__(self) -> int:
        return len(self.dataset_index)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.datasets[int(self.dataset_index[i])][int(self.dataset_sample_index[i])]


@dataclass
class Export:
    """An export folder: per-language token files, blend weights, split, vocabulary size."""

    root: Path
    languages: dict[str, IndexedDataset]
    weights: dict[str, float]
    split: str
    vocab_size: int | None


def open_export(root: Path) -> Export:
    """Reads blend.json (and export.json for the vocabulary); prefixes are found beside it,
    so a copied or moved export folder still works."""
    root = Path(root)
    if not (root / BLEND).is_file():
        raise FileNotFoundError(f"{root}: no {BLEND} (make one: leam export megatron RUN)")
    blend = json.loads((root / BLEND).read_text())
    languages = {lang: IndexedDataset(root / entry["prefix"])
                 for lang, entry in blend["languages"].items()}  # fmt: skip
    weights = {lang: float(entry["weight"]) for lang, entry in blend["languages"].items()}
    vocab = None
    if (root / EXPORT).is_file():
        vocab = json.loads((root / EXPORT).read_text()).get("tokenizer", {}).get("vocab_size")
    return Export(root, languages, weights, blend.get("split") or "969,30,1", vocab)


def blended_train(
    export: Export, split: str, seq_length: int, num_samples: int, seed: int, cache_dir: Path
) -> BlendedDataset:
    """The training blend: `num_samples` samples over every language's train documents."""
    langs = sorted(export.weights)
    weights = np.array([export.weights[lang] for lang in langs])
    key = _key(langs=langs, weights=weights.tolist(), size=num_samples, kind="blend")
    arrays = cached(
        cache_dir, f"blend-{key}",
        lambda: dict(zip(("dataset_index", "dataset_sample_index"),
                         build_blending_indices(weights, num_samples), strict=True)),
    )  # fmt: skip
    counts = np.bincount(arrays["dataset_index"], minlength=len(langs))
    datasets = []
    for d, lang in enumerate(langs):
        data = export.languages[lang]
        doc_range = split_ranges(split, len(data))[0]
        datasets.append(
            GPTDataset(data, doc_range, seq_length, max(1, int(counts[d])), seed, cache_dir)
        )
    return BlendedDataset(datasets, arrays["dataset_index"], arrays["dataset_sample_index"])


def validation_sets(
    export: Export, split: str, seq_length: int, num_samples: int, seed: int, cache_dir: Path
) -> dict[str, GPTDataset]:
    """Per language: `num_samples` samples of its validation documents (languages whose
    validation range is empty or shorter than one sample are left out)."""
    out = {}
    for lang in sorted(export.weights):
        data = export.languages[lang]
        doc_range = split_ranges(split, len(data))[1]
        tokens = int(data.sequence_lengths[doc_range[0] : doc_range[1]].sum(dtype=np.int64))
        if tokens > seq_length:
            out[lang] = GPTDataset(data, doc_range, seq_length, num_samples, seed + 1, cache_dir)
    return out


def cached(cache_dir: Path, name: str, build) -> dict[str, np.ndarray]:
    """Arrays `<name>-<array>.npy` from the cache, built and saved atomically when missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    marker = cache_dir / f"{name}.json"
    if not marker.is_file():
        arrays = build()
        for array_name, array in arrays.items():
            _save_atomic(cache_dir / f"{name}-{array_name}.npy", array)
        _write_atomic(marker, json.dumps(sorted(arrays)).encode())
    names = json.loads(marker.read_text())
    return {n: np.load(cache_dir / f"{name}-{n}.npy", mmap_mode="r") for n in names}


def _key(**parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _save_atomic(path: Path, array: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        np.save(f, np.ascontiguousarray(array))
    os.replace(tmp, path)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


if __name__ == "__main__":
    exp = open_export(Path(sys.argv[1]))
    for lang, data in exp.languages.items():
        ranges = split_ranges(exp.split, len(data))
        print(f"{lang}: weight {exp.weights[lang]:.3f}, {len(data)} documents, "
              f"{data.num_tokens} tokens, split {exp.split} → {ranges}")  # fmt: skip
    train = blended_train(exp, exp.split, 64, 16, 1234, exp.root / "_cache")
    print("sample 0:", train[0][:16], "...")
