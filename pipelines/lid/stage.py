"""Stage `langid`: adds `lang`, `lang_score` and top-k alternatives; keeps the target languages.

    leam langid runs/my-run/extract/part-*.parquet --run-id my-run-lid

A document is kept when its top language is a target and the score clears that language's
threshold. The score of a target may include the probability the model gave to its close
variants (`variants`): lid.176 splits Slovenian and Croatian pages across sl/hr/sh/bs/sr, so
a single global threshold rejects far more of them than of French. Everything else goes to
the ledger with reason `language` (or `no_text_for_lid` when nothing is left to judge).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from pydantic import Field, model_validator

from leam.corpus.languages import EU24
from leam.corpus.stage import BaseStage, Context, Doc, StageParams
from leam.pipelines.lid.model import LidModel, normalize_for_lid, shared_model


class LangIdParams(StageParams):
    model: Path | None = Field(None, description="fastText model file; default lid.176.ftz")
    languages: list[str] = Field(default_factory=lambda: list(EU24), description="kept")
    default_threshold: float = Field(0.5, ge=0, le=1, description="for targets not in thresholds")
    thresholds: dict[str, float] = Field(default_factory=dict, description="per-language")
    variants: dict[str, list[str]] = Field(
        default_factory=dict, description="labels whose probability counts for the target"
    )
    top_k: int = Field(5, ge=1, le=20, description="labels asked of the model and stored")
    max_chars: int = Field(5000, gt=0, description="characters of text given to the model")

    @model_validator(mode="after")
    def _known_targets(self) -> LangIdParams:
        for field in ("thresholds", "variants"):
            unknown = sorted(set(getattr(self, field)) - set(self.languages))
            if unknown:
                raise ValueError(f"{field} names languages not in `languages`: {unknown}")
        for lang, value in self.thresholds.items():
            if not 0 <= value <= 1:
                raise ValueError(f"thresholds.{lang} must be within [0, 1], got {value}")
        return self

    def threshold(self, lang: str) -> float:
        return self.thresholds.get(lang, self.default_threshold)


def decide(predictions: list[tuple[str, float]], params: LangIdParams) -> tuple[str, float, bool]:
    """(language, score, keep?) from the model's top-k predictions, best first."""
    if not predictions:
        return "und", 0.0, False
    lang, score = predictions[0]
    if lang not in params.languages:
        return lang, score, False
    variants = set(params.variants.get(lang, ()))
    score += sum(p for code, p in predictions[1:] if code in variants)
    score = min(score, 1.0)
    return lang, score, score >= params.threshold(lang)


class LangIdStage(BaseStage):
    name: ClassVar[str] = "langid"
    Params: ClassVar[type[StageParams]] = LangIdParams

    def __init__(self, params: LangIdParams) -> None:
        self.params = params
        self.model: LidModel | None = None

    def setup(self) -> None:
        self.model = shared_model(self.params.model)

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]:
        assert self.model is not None, "setup() loads the model"
        for doc in docs:
            text = normalize_for_lid(doc["text"] or "", self.params.max_chars)
            predictions = self.model.predict(text, self.params.top_k)
            lang, score, keep = decide(predictions, self.params)
            doc["lang"], doc["lang_score"] = lang, score
            doc["lang_alternatives"] = [{"lang": c, "score": p} for c, p in predictions]
            if keep:
                yield ctx.kept(doc)
            elif not predictions:
                ctx.reject("no_text_for_lid", doc, detail="nothing left after normalisation")
            else:
                top = ", ".join(f"{c} {p:.2f}" for c, p in predictions[:3])
                ctx.reject("language", doc, detail=f"{lang} {score:.2f}; top: {top}")
