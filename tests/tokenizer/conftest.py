"""A run directory with the bundled sample as shards, and one tokenizer trained on it (tiny
vocabulary, in-process, a few seconds), shared by the tokenizer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from leam.tokenizer.build import EvalOptions, build_tokenizer
from leam.tokenizer.sample import SampleSpec
from leam.tokenizer.train import TrainSpec
from tests.tokenizer.shards import sample_texts, write_shards

VOCAB = 1200
USER_TOKEN = "<|user|>"
# Runs of repeated characters, as scraped pages have: max_token_length keeps them out.
RULES = "=" * 120 + "\n" + "-" * 80 + "\n" + "*" * 64


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "sample"
    texts = sample_texts()
    texts["en"] = texts["en"] + [f"{RULES}\nSection {i}\n{RULES}" for i in range(10)]
    write_shards(run / "shards", texts)
    return run


@pytest.fixture(scope="session")
def trained(sample_run: Path) -> tuple[Path, dict]:
    """(tokenizer folder, training record) of a balanced BPE on the sample shards."""
    out = sample_run / "tokenizer"
    record = build_tokenizer(
        sample_run / "shards",
        out,
        SampleSpec(alpha=0.3, heldout=0.1),
        TrainSpec(vocab_size=VOCAB, special_tokens=(USER_TOKEN,)),
        EvalOptions(),
    )
    return out, record
