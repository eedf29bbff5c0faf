"""leam.trainer.data: Megatron-style indices over a real export; splits; the blend; the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leam.trainer.data import (
    GPTDataset,
    blended_train,
    build_blending_indices,
    open_export,
    split_ranges,
    validation_sets,
)


def test_split_by_documents_follows_megatron():
    assert split_ranges("969,30,1", 1000) == [(0, 969), (969, 999), (999, 1000)]
    assert split_ranges("90,10,0", 12) == [(0, 11), (11, 12), (12, 12)]
    assert split_ranges("1", 5) == [(0, 5), (5, 5), (5, 5)]


def test_sample_index_covers_every_token_once_per_epoch(export_dir: Path, tmp_path: Path):
    data = open_export(export_dir).languages["el"]
    docs = (2, len(data))
    T = 16
    tokens = int(data.sequence_lengths[docs[0] :].sum())
    per_epoch = (tokens - 1) // T
    ds = GPTDataset(data, docs, T, per_epoch, seed=7, cache_dir=tmp_path)
    assert ds.num_epochs == 1
    assert sorted(ds.document_index.tolist()) == list(range(*docs))  # each document once
    assert sorted(ds.shuffle_index.tolist()) == list(range(per_epoch))  # a permutation
    # The samples' inputs, in sample-index order, are the shuffled documents back to back.
    stream = np.concatenate([data[int(d)] for d in ds.document_index]).astype(np.int64)
    inputs = np.concatenate([ds.unshuffled(j)[:-1] for j in range(per_epoch)])
    assert np.array_equal(inputs, stream[: per_epoch * T])
    assert len(stream) - len(inputs) <= T  # only the last partial sample is left out
    for j in (0, per_epoch // 2, per_epoch - 1):  # targets are the inputs shifted by one
        assert np.array_equal(ds.unshuffled(j)[1:], stream[j * T + 1 : (j + 1) * T + 1])
    assert np.array_equal(ds[0], ds.unshuffled(int(ds.shuffle_index[0])))


def test_more_samples_than_an_epoch_reshuffles_the_documents(export_dir: Path, tmp_path: Path):
    data = open_export(export_dir).languages["en"]
    per_epoch = (data.num_tokens - 1) // 32
    ds = GPTDataset(data, (0, len(data)), 32, 2 * per_epoch + 5, seed=1, cache_dir=tmp_path)
    assert ds.num_epochs == 3
    epochs = ds.document_index.reshape(3, len(data))
    assert all(sorted(e.tolist()) == list(range(len(data))) for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1])
    assert all(len(ds[i]) == 33 for i in range(0, len(ds), 7))


def test_indices_are_cached_by_their_key(export_dir: Path, tmp_path: Path):
    data = open_export(export_dir).languages["fr"]
    first = GPTDataset(data, (0, 10), 16, 50, seed=3, cache_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len([f for f in files if f.endswith(".npy")]) == 3
    again = GPTDataset(data, (0, 10), 16, 50, seed=3, cache_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # loaded, not rebuilt
    assert np.array_equal(first.shuffle_index, again.shuffle_index)
    GPTDataset(data, (0, 10), 16, 50, seed=4, cache_dir=tmp_path)  # another seed: new files
    assert len(list(tmp_path.glob("*.npy"))) == 6


def test_blend_follows_the_weights():
    weights = np.array([0.5, 0.3, 0.15, 0.05])
    index, sample = build_blending_indices(weights, 2000)
    for n in (20, 200, 2000):
        counts = np.bincount(index[:n], minlength=4)
        assert np.all(np.abs(counts - weights * n) <= 1.0), (n, counts)
    for d in range(4):  # each dataset's samples are taken in order, none twice
        assert sample[index == d].tolist() == list(range(int((index == d).sum())))


def test_blended_export_and_validation_sets(export_dir: Path, tmp_path: Path):
    export = open_export(export_dir)
    blend = blended_train(export, "90,10,0", 32, 400, 1234, tmp_path)
    langs = sorted(export.weights)
    counts = np.bincount(blend.dataset_index, minlength=len(langs))
    expected = np.array([export.weights[lang] for lang in langs])
    assert np.all(np.abs(counts - expected / expected.sum() * 400) <= 1.0)
    assert {len(blend[i]) for i in range(0, 400, 13)} == {33}
    valid = validation_sets(export, "90,10,0", 32, 8, 1234, tmp_path)
    assert sorted(valid) == langs
    for lang, ds in valid.items():  # validation documents are not training documents
        train_docs = set(blend.datasets[langs.index(lang)].document_index.tolist())
        assert not train_docs & set(ds.document_index.tolist())
