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
    "extract": "pipelines.extract:ExtractStage",
    "langid": "pipelines.langid:LangIdStage",
    "filter": "pipelines.filter:FilterStage",
    "dedup": "pipelines.dedup:DedupStage",
    "shard": "pipelines.shard:ShardStage",
    "tokenizer": "pipelines.tokenizer_stage:TokenizerStage",
    "megatron": "pipelines.megatron:MegatronStage",
    "train": "pipelines.train_stage:TrainStage",
}
STAGE_NAMES = tuple(_CLASSES)


@functools.cache
def stage_class(name: str) -> type:
    try:
        module, _, cls = _CLASSES[name].partition(":")
    except KeyError:
        raise KeyError(f"unknown stage {name!r}; known stages: {', '.join(_CLASSES)}") from None
    return getattr(importlib.import_module(module), cls)
