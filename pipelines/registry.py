"""Stages by their stable name, as pipeline files refer to them."""

from __future__ import annotations

from pipelines.dedup import DedupStage
from pipelines.extract import ExtractStage
from pipelines.filter import FilterStage
from pipelines.langid import LangIdStage
from pipelines.megatron import MegatronStage
from pipelines.shard import ShardStage
from pipelines.tokenizer_stage import TokenizerStage
from pipelines.train_stage import TrainStage

STAGES: dict[str, type] = {
    ExtractStage.name: ExtractStage,
    LangIdStage.name: LangIdStage,
    FilterStage.name: FilterStage,
    DedupStage.name: DedupStage,
    ShardStage.name: ShardStage,
    TokenizerStage.name: TokenizerStage,
    MegatronStage.name: MegatronStage,
    TrainStage.name: TrainStage,
}


def stage_class(name: str) -> type:
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; known stages: {', '.join(STAGES)}") from None
