"""Blend weights over the per-language token files, and the Megatron-LM arguments they give.

Temperature sampling (as XLM-R and mT5 mix languages): with p_l a language's share of the
tokens, its weight is q_l ∝ p_l^α. α = 1 samples in proportion to the data, α = 0 gives
every language the same share, 0.3 (the default, as our tokenizer's sample) lifts small
languages without repeating them endlessly. Or explicit weights, normalised to sum 1.

`upsampling` = q_l / p_l says how much more often than its share a language is seen: above
1 its documents repeat sooner than the corpus as a whole (a trainer's cue for epochs).

Megatron-LM takes `--data-path W1 PREFIX1 W2 PREFIX2 ...` (it normalises the weights) or
the same pairs in a file with `--data-args-path`. Its `--split` divides each dataset of the
blend by documents into train, validation and test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leam.tokenizer.sample import SampleSpec
from leam.tokenizer.sample import temperature_weights as sample_temperature_weights

DEFAULT_ALPHA = SampleSpec.alpha  # the tokenizer's sample and the blend mix alike
# Held-out tokens to aim for in each of validation and test: enough for a stable loss
# estimate, a small share of a large corpus.
EVAL_TOKENS = 10_000_000
SPLIT_MIN, SPLIT_MAX = 0.001, 0.05  # the held-out share per split stays between these


def temperature_weights(tokens: dict[str, int], alpha: float) -> dict[str, float]:
    """q_l ∝ p_l^α (the tokenizer sample's formula) over the languages that have tokens."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    shares = sample_temperature_weights(tokens, alpha)
    return {lang: q for lang, q in sorted(shares.items()) if tokens[lang] > 0}


def explicit_weights(tokens: dict[str, int], weights: dict[str, float]) -> dict[str, float]:
    """The given weights, normalised; a language without tokens or a negative weight is an error."""
    missing = sorted(lang for lang in weights if tokens.get(lang, 0) == 0)
    if missing:
        raise ValueError(f"weights name languages with no tokens: {', '.join(missing)}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    norm = sum(weights.values())
    return {lang: w / norm for lang, w in sorted(weights.items()) if w > 0}


def suggest_split(total_tokens: int) -> tuple[str, str]:
    """A `--split` (per mille) holding out about EVAL_TOKENS each for validation and test."""
    share = min(SPLIT_MAX, max(SPLIT_MIN, EVAL_TOKENS / max(total_tokens, 1)))
    held = max(1, round(share * 1000))
    split = f"{1000 - 2 * held},{held},{held}"
    reason = (
        f"validation and test each {held / 10:g} % of every language's documents "
        f"(about {round(total_tokens * held / 1000):,} tokens each; aim {EVAL_TOKENS:,}, "
        f"between {SPLIT_MIN:.1%} and {SPLIT_MAX:.0%})"
    )
    return split, reason


def data_args(weights: dict[str, float], prefixes: dict[str, str]) -> list[str]:
    """Megatron-LM's weight and prefix pairs, one per language: `--data-path` takes them
    joined by spaces, `--data-args-path` a file of them."""
    return [f"{weights[lang]:.6f} {prefixes[lang]}" for lang in sorted(weights)]


def blend(
    tokens: dict[str, int],
    prefixes: dict[str, str],
    alpha: float = DEFAULT_ALPHA,
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """blend.json: per-language tokens, share, weight, upsampling, and the arguments.

    `prefixes` are the paths the arguments name (the export gives them absolute).
    """
    chosen = explicit_weights(tokens, weights) if weights else temperature_weights(tokens, alpha)
    total = sum(tokens.values())
    split, split_reason = suggest_split(total)
    languages = {
        lang: {
            "prefix": Path(prefixes[lang]).name,
            "tokens": tokens[lang],
            "token_share": round(tokens[lang] / total, 6),
            "weight": round(chosen[lang], 6),
            "upsampling": round(chosen[lang] / (tokens[lang] / total), 4),
        }
        for lang in sorted(chosen)
    }
    return {
        "method": "explicit" if weights else "temperature",
        "alpha": None if weights else alpha,
        "total_tokens": total,
        "languages": languages,
        "left_out": sorted(set(tokens) - set(chosen)),
        "data_path": " ".join(data_args(chosen, prefixes)),
        "split": split,
        "split_reason": split_reason,
    }
