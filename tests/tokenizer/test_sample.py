"""The balanced sample: shares follow q ∝ p^α, the held-out split stays out, and the same
seed gives the same sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from leam.tokenizer.sample import (
    BalancedSample,
    SampleSpec,
    cap_text,
    is_heldout,
    temperature_weights,
)
from leam.tokenizer.shards import shard_files
from tests.tokenizer.shards import write_shards

DOC_CHARS = 400
SIZES = {"en": 300, "de": 100, "mt": 20}  # documents per language: a web-like skew


def _doc(lang: str, i: int) -> str:
    word = f"{lang}{i:04d}w "  # unique per document, so a text tells which document it is
    return (word * (DOC_CHARS // len(word) + 1))[:DOC_CHARS]


@pytest.fixture(scope="module")
def skewed(tmp_path_factory) -> dict[str, list[Path]]:
    shards = tmp_path_factory.mktemp("skewed") / "shards"
    write_shards(shards, {lang: [_doc(lang, i) for i in range(n)] for lang, n in SIZES.items()}, 3)
    return shard_files(shards)


def test_temperature_formula():
    sizes = {"en": 900, "de": 90, "mt": 10}
    assert temperature_weights(sizes, 1.0) == pytest.approx({"en": 0.9, "de": 0.09, "mt": 0.01})
    assert temperature_weights(sizes, 0.0) == pytest.approx({k: 1 / 3 for k in sizes})
    q = temperature_weights(sizes, 0.3)
    norm = 0.9**0.3 + 0.09**0.3 + 0.01**0.3
    assert q["mt"] == pytest.approx(0.01**0.3 / norm)
    assert q["en"] > q["de"] > q["mt"] > 0.01  # flattened, order kept
    assert temperature_weights({"en": 5, "ga": 0}, 0.0) == {"en": 1.0, "ga": 0.0}


@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.0])
def test_sampled_shares_match_the_formula(skewed, alpha: float):
    spec = SampleSpec(alpha=alpha, max_chars=40_000, heldout=0.05, seed=3)
    sample = BalancedSample(skewed, spec)
    texts = list(sample)
    comp = sample.composition()
    available = {lang: sample.sizes[lang].chars for lang in SIZES}
    expected = temperature_weights(available, alpha)
    assert sum(len(t) for t in texts) == sum(c["sampled_chars"] for c in comp.values())
    for lang, q in expected.items():
        assert comp[lang]["share"] == pytest.approx(q, abs=1e-6)
        # within one document of the target, so the drawn shares follow the formula
        assert abs(comp[lang]["sampled_chars"] - 40_000 * q) <= DOC_CHARS, lang
        assert comp[lang]["sampled_share"] == pytest.approx(q, abs=0.015), lang


def test_small_language_is_repeated_up_to_max_repeat(skewed):
    spec = SampleSpec(alpha=0.0, max_chars=60_000, heldout=0.0, max_repeat=2)
    sample = BalancedSample(skewed, spec)
    texts = list(sample)
    mt = sample.composition()["mt"]
    # mt offers 20 × 400 = 8,000 characters for a 20,000 target: two passes, then it stops
    assert mt["available_chars"] == 8_000 and mt["target_chars"] == 20_000
    assert mt["passes"] == 2 and mt["sampled_chars"] == 16_000
    assert sum(t.startswith("mt0000w") for t in texts) == 2


def test_heldout_documents_never_sampled_and_deterministic(skewed):
    spec = SampleSpec(alpha=0.0, max_chars=60_000, heldout=0.2, seed=7)
    first, second = list(BalancedSample(skewed, spec)), list(BalancedSample(skewed, spec))
    assert first == second
    held = {_doc(lang, i) for lang, n in SIZES.items() for i in range(n)
            if is_heldout(f"{lang}-{i:06d}", spec)}  # fmt: skip
    assert 0.1 < len(held) / sum(SIZES.values()) < 0.3
    assert not held & set(first)
    other = list(BalancedSample(skewed, SampleSpec(alpha=0.0, max_chars=60_000, heldout=0.2)))
    assert other != first  # another seed, another sample


def test_explicit_weights_and_caps(skewed):
    spec = SampleSpec(weights={"en": 1, "mt": 3}, max_chars=8_000, max_doc_chars=250, heldout=0)
    sample = BalancedSample(skewed, spec)
    texts = list(sample)
    comp = sample.composition()
    assert comp["de"]["sampled_chars"] == 0 and comp["mt"]["share"] == 0.75
    assert max(len(t) for t in texts) <= 250
    assert cap_text("aaaa bbbb cccc", 11) == "aaaa bbbb"  # cut at a space, no fragment
    with pytest.raises(ValueError, match="without shards"):
        BalancedSample(skewed, SampleSpec(weights={"fi": 1.0}))
    with pytest.raises(ValueError, match="alpha"):
        SampleSpec(alpha=1.5)
