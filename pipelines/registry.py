"""Stages by their stable name, as pipeline files refer to them."""

from __future__ import annotations

from pipelines.dedup import DedupStage
from pipelines.extract import ExtractStage
from pipelines.filter import FilterStage
from pipelines.langid import LangIdStage

STAGES: dict[str, type] = {
    ExtractStage.name: ExtractStage,
    LangIdStage.name: LangIdStage,
    FilterStage.name: FilterStage,
    DedupStage.name: DedupStage,
}


def stage_class(name: str) -> type:
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; known stages: {', '.join(STAGES)}") from None
