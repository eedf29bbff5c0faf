"""Blend weights (temperature or explicit), the --data-path string and the --split."""

from __future__ import annotations

import pytest

from leam.pipelines.megatron.blend import (
    blend,
    explicit_weights,
    suggest_split,
    temperature_weights,
)

TOKENS = {"de": 900_000, "fr": 90_000, "mt": 10_000}


def test_temperature_weights():
    assert temperature_weights(TOKENS, 1.0) == pytest.approx({"de": 0.9, "fr": 0.09, "mt": 0.01})
    assert temperature_weights(TOKENS, 0.0) == pytest.approx(dict.fromkeys(TOKENS, 1 / 3))
    q = temperature_weights(TOKENS, 0.3)
    assert q["de"] / q["mt"] == pytest.approx(90**0.3)  # (p_de / p_mt)^alpha
    assert sum(q.values()) == pytest.approx(1.0)
    assert "ga" not in temperature_weights({**TOKENS, "ga": 0}, 0.3)
    with pytest.raises(ValueError, match="alpha"):
        temperature_weights(TOKENS, 1.5)


def test_explicit_weights():
    assert explicit_weights(TOKENS, {"de": 3, "mt": 1}) == {"de": 0.75, "mt": 0.25}
    with pytest.raises(ValueError, match="no tokens: ga"):
        explicit_weights(TOKENS, {"de": 1, "ga": 1})
    with pytest.raises(ValueError, match="non-negative"):
        explicit_weights(TOKENS, {"de": -1, "mt": 2})


def test_split_holds_out_about_ten_million_tokens():
    assert suggest_split(10_000_000_000)[0] == "998,1,1"  # 0.1 % = 10M tokens each
    assert suggest_split(1_000_000_000)[0] == "980,10,10"
    assert suggest_split(50_000)[0] == "900,50,50"  # a tiny corpus: at most 5 % each


def test_blend_record_and_data_path():
    prefixes = {lang: f"/data/{lang}_text_document" for lang in TOKENS}
    record = blend(TOKENS, prefixes, weights={"de": 1, "fr": 1})
    assert record["method"] == "explicit" and record["left_out"] == ["mt"]
    assert record["data_path"] == "0.500000 /data/de_text_document 0.500000 /data/fr_text_document"
    de = record["languages"]["de"]
    assert de["prefix"] == "de_text_document" and de["token_share"] == 0.9
    assert de["upsampling"] == pytest.approx(0.5 / 0.9, abs=1e-4)
    pairs = record["data_path"].split()
    assert [float(w) for w in pairs[::2]] == [0.5, 0.5]
