"""Any number of tokenizers measured on the same text, side by side.

Held-out text (per language, from the shards, never sampled for training) gives fertility,
continued words and bytes per token on the corpus's own domain; parallel text gives the same
per language and the premium against the reference language (English). The report is a
plain dict (report.json); report.py renders it as tables and charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tokenizers import Tokenizer

from leam.tokenizer.metrics import premiums, text_stats
from leam.tokenizer.parallel import Groups, by_language


def evaluate(
    tokenizers: Mapping[str, Tokenizer],
    heldout: Mapping[str, list[str]] | None = None,
    parallel: Groups | None = None,
    reference: str = "en",
) -> dict[str, Any]:
    if not heldout and not parallel:
        raise ValueError("nothing to evaluate on: give held-out text or parallel text")
    report: dict[str, Any] = {
        "reference": reference,
        "tokenizers": {
            name: {"vocab_size": tok.get_vocab_size()} for name, tok in tokenizers.items()
        },
        "heldout": {},
        "parallel": {},
    }
    for name, tok in tokenizers.items():
        if heldout:
            report["heldout"][name] = {
                lang: text_stats(tok, texts).summary() for lang, texts in sorted(heldout.items())
            }
        if parallel:
            prem = premiums(tok, parallel, reference)
            report["parallel"][name] = {
                lang: {**text_stats(tok, texts).summary(), "premium": prem.get(lang)}
                for lang, texts in by_language(parallel).items()
            }
        report["tokenizers"][name].update(summarize(report, name))
    return report


def summarize(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The figures one compares tokenizers by: the worst premium, its spread, fertility."""
    out: dict[str, Any] = {}
    ref = report["reference"]
    par = report["parallel"].get(name)
    if par:
        prem = {lang: r["premium"] for lang, r in par.items() if r["premium"] is not None}
        others = {lang: p for lang, p in prem.items() if lang != ref}
        if others:
            worst = max(others, key=others.get)
            out.update(
                worst_premium_lang=worst,
                worst_premium=others[worst],
                premium_spread=round(max(others.values()) - min(others.values()), 4),
                mean_premium=round(sum(others.values()) / len(others), 4),
            )
        if ref in par:
            out["reference_fertility_parallel"] = par[ref]["fertility"]
    held = report["heldout"].get(name)
    if held:
        fert = {lang: r["fertility"] for lang, r in held.items()}
        out["mean_fertility_heldout"] = round(sum(fert.values()) / len(fert), 4)
        out["max_fertility_heldout"] = max(fert.values())
        if ref in held:
            out["reference_fertility_heldout"] = held[ref]["fertility"]
    return out
