"""Stages by their stable name, as pipeline files refer to them.

A stage's module is imported when a pipeline first uses it: the modules bring their
libraries (datasketch and SciPy for dedup, pandas through pyarrow.dataset for shard, the
tokenizers for the export), and the CLI and every Ray worker would otherwise pay for all of
them, about a second of CPU per process.
"""

from __future__ import annotations

import functools
import importlib

_CLASSES = {
    "extract": "leam.pipelines.extract.stage:ExtractStage",
    "langid": "leam.pipelines.lid.stage:LangIdStage",
    "filter": "leam.pipelines.filter:FilterStage",
    "dedup": "leam.pipelines.dedup.stage:DedupStage",
    "shard": "leam.pipelines.shard.stage:ShardStage",
    "tokenizer": "leam.pipelines.tokenizer_stage:TokenizerStage",
    "megatron": "leam.pipelines.megatron.stage:MegatronStage",
    "train": "leam.pipelines.train_stage:TrainStage",
}
STAGE_NAMES = tuple(_CLASSES)


@functools.cache
def stage_class(name: str) -> type:
    try:
        module, _, cls = _CLASSES[name].partition(":")
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; known stages: {', '.join(_CLASSES)}") from None
    return getattr(importlib.import_module(module), cls)
