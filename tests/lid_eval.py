"""Measuring language-ID decisions on labelled text: recall and precision per language.

Used to calibrate the per-language thresholds of the `eu24` preset (bench/lid_calibration.py)
and by the test that holds the preset to its targets. Recall of L: share of the documents
truly in L that are kept as L. Precision of L: share of the documents kept as L that are
truly in L (documents in other languages, EU or not, count against it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from leam.pipelines.lid.model import LidModel, normalize_for_lid
from leam.pipelines.lid.stage import LangIdParams, decide


@dataclass(frozen=True)
class Labelled:
    lang: str  # the true language
    predictions: list[tuple[str, float]]  # the model's top-k, best first


@dataclass(frozen=True)
class LangScore:
    lang: str
    docs: int
    recall: float
    precision: float


def predict_all(
    model: LidModel, texts: Iterable[tuple[str, str]], params: LangIdParams
) -> list[Labelled]:
    return [
        Labelled(lang, model.predict(normalize_for_lid(text, params.max_chars), params.top_k))
        for lang, text in texts
    ]


def evaluate(samples: list[Labelled], params: LangIdParams) -> dict[str, LangScore]:
    truth = Counter(s.lang for s in samples)
    kept_right: Counter[str] = Counter()
    kept_as: Counter[str] = Counter()
    for sample in samples:
        lang, _, keep = decide(sample.predictions, params)
        if keep:
            kept_as[lang] += 1
            kept_right[lang] += lang == sample.lang
    return {
        lang: LangScore(
            lang,
            truth[lang],
            kept_right[lang] / truth[lang] if truth[lang] else 0.0,
            kept_right[lang] / kept_as[lang] if kept_as[lang] else 1.0,
        )
        for lang in params.languages
        if truth[lang]
    }
