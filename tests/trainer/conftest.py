"""A small real export for the trainer tests: sample pages in four languages and scripts,
sharded, tokenized with a tiny BPE by the export itself (serially, no Ray)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leam.pipelines.megatron.export import ExportSpec, export_megatron
from tests.megatron_data import train_tiny_tokenizer, write_sample_shards

LANGS = ["de", "el", "en", "fr"]


def serial_map(fn, items):
    return [fn(item) for item in items]


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trainer-export")
    write_sample_shards(root / "shards", LANGS)
    tok = train_tiny_tokenizer(root / "tok")
    export_megatron(root / "shards", root / "megatron", ExportSpec(tok), serial_map)
    return root / "megatron"


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: tiny models only lose to thread start-up and to contention
    with other processes (a loaded 2-core machine runs 50× slower with two threads)."""
    try:
        import torch
    except ImportError:  # the numpy-only tests still run
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
