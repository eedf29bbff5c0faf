"""Calibrate per-language LID thresholds on the bundled multilingual sample.

    python bench/lid_calibration.py

For each EU language: recall and precision under datatrove's single threshold (0.65), under
the `eu24` preset, and the highest threshold that still keeps ≥ 95 % of the language.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from leam.corpus.languages import EU24
from leam.pipelines.lid.model import LidModel
from leam.pipelines.lid.stage import LangIdParams
from leam.pipelines.presets import load_pipeline
from tests.lid_eval import evaluate, predict_all
from tests.sample_warc import sample_pages

GRID = [round(0.05 * i, 2) for i in range(2, 19)]


def main() -> None:
    preset: LangIdParams = load_pipeline("eu24").stage("langid").params
    pages = sample_pages()
    model = LidModel(preset.model)
    start = time.perf_counter()
    samples = predict_all(model, ((p.lang, f"{p.title}\n{p.text}") for p in pages), preset)
    per_doc_us = (time.perf_counter() - start) / len(samples) * 1e6
    print(f"{len(samples)} documents, {len(set(p.lang for p in pages))} languages, "
          f"{per_doc_us:.0f} µs per prediction (top-{preset.top_k})\n")  # fmt: skip

    confusions = Counter(
        (s.lang, s.predictions[0][0]) for s in samples if s.predictions[0][0] != s.lang
    )
    print("top-1 confusions (true → predicted: n):", dict(confusions.most_common(20)), "\n")

    single = evaluate(samples, LangIdParams(default_threshold=0.65))
    ours = evaluate(samples, preset)
    best = {}
    for t in GRID:
        scores = evaluate(samples, LangIdParams(default_threshold=t, variants=preset.variants))
        for lang, score in scores.items():
            if score.recall >= 0.95:
                best[lang] = t
    print("| lang | docs | recall @0.65 | precision @0.65 | threshold (eu24) | recall | precision "
          "| highest threshold with recall ≥ 95 % |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for lang in EU24:
        if lang not in ours:
            continue
        s, o = single[lang], ours[lang]
        threshold = preset.threshold(lang)
        print(f"| {lang} | {o.docs} | {s.recall:.0%} | {s.precision:.0%} | {threshold:.2f} "
              f"| {o.recall:.0%} | {o.precision:.0%} | {best.get(lang, '-')} |")  # fmt: skip
    missing = [lang for lang in EU24 if lang not in ours]
    if missing:
        print("\nno sample text for:", ", ".join(missing), file=sys.stderr)


if __name__ == "__main__":
    main()
