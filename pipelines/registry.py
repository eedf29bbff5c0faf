"""The project's stages by their stable name, as pipeline files refer to them.

A stage's module is imported when a pipeline first uses it: the modules bring their
libraries (datasketch and SciPy for dedup, pandas through pyarrow.dataset for shard, the
tokenizers for the export), and the CLI and every Ray worker would otherwise pay for all of
them, about a second of CPU per process.
"""

from __future__ import annotations

from leam.corpus.stage import Stage, StageRegistry

REGISTRY = StageRegistry(
    {
        "extract": "leam.pipelines.extract.stage:ExtractStage",
        "optouts": "leam.pipelines.optouts.stage:OptoutsStage",
        "langid": "leam.pipelines.lid.stage:LangIdStage",
        "filter": "leam.pipelines.filter:FilterStage",
        "dedup": "leam.pipelines.dedup.stage:DedupStage",
        "shard": "leam.pipelines.shard.stage:ShardStage",
        "tokenizer": "leam.pipelines.tokenizer_stage:TokenizerStage",
        "megatron": "leam.pipelines.megatron.stage:MegatronStage",
        "train": "leam.pipelines.train_stage:TrainStage",
    }
)
STAGE_NAMES = REGISTRY.names


def stage_class(name: str) -> type[Stage]:
    return REGISTRY.get(name)
