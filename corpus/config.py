"""Pipeline files: YAML that lists stages in order, each with its parameters.

    name: demo
    description: extract + language ID on the bundled sample
    stages:
      - stage: extract
      - stage: langid
        params: {default_threshold: 0.5, thresholds: {sl: 0.3}}

Validation is strict and every error names the file and the key (`stages.1.params.thresholds`).
Relative paths in stage parameters (the filter stage's `manifests`) are relative to the
pipeline file's folder. The stages come from the registry the caller hands in (the core
imports no stage); leam.pipelines.presets loads files and presets with the project's.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leam.corpus.stage import (
    PIPELINE_DIR,
    PIPELINE_STAGES,
    PUBLISHED_INPUTS,
    Stage,
    StageParams,
    StageRegistry,
)


class ConfigError(ValueError):
    """A pipeline file that cannot be used; the message names the file and the key."""


class _StageEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: str
    params: dict[str, Any] = Field(default_factory=dict)


class _PipelineFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    stages: list[_StageEntry] = Field(min_length=1)


@dataclass(frozen=True)
class StageConfig:
    name: str
    params: StageParams
    cls: type[Stage]  # the class the registry gave for `name`


@dataclass(frozen=True)
class Pipeline:
    name: str
    description: str
    stages: tuple[StageConfig, ...]
    source: str  # the file or preset it came from

    def resolved(self) -> dict[str, Any]:
        """Every parameter, defaults included: what run.json records and hashes."""
        return {
            "name": self.name,
            "description": self.description,
            "stages": [
                {"stage": s.name, "params": s.params.model_dump(mode="json")} for s in self.stages
            ],
        }

    def sha256(self) -> str:
        blob = json.dumps(self.resolved()["stages"], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()

    @classmethod
    def single(cls, stage: type[Stage], params: StageParams) -> Pipeline:
        """One stage alone, as the per-stage commands (`leam extract`, ...) run it."""
        name = stage.name
        return cls(name, f"the {name} stage alone", (StageConfig(name, params, stage),), "cli")

    def stage(self, name: str) -> StageConfig:
        for s in self.stages:
            if s.name == name:
                return s
        names = ", ".join(s.name for s in self.stages)
        raise KeyError(f"{self.source}: no stage {name!r} (it has {names})")


def error_lines(label: str, err: ValidationError, prefix: tuple[Any, ...] = ()) -> list[str]:
    """`file: key.path: what is wrong`, one line per problem (pipelines and manifests)."""
    return [
        f"{label}: {'.'.join(str(p) for p in (*prefix, *e['loc'])) or '(top level)'}: {e['msg']}"
        + _given(e)
        for e in err.errors()
    ]


def _given(error: Any) -> str:
    """`(given: 'qualityy')`: the value that was wrong, where there was one."""
    if error["type"] == "missing" or isinstance(error["input"], dict):
        return ""
    shown = repr(error["input"])
    return f" (given: {shown if len(shown) <= 60 else shown[:57] + '...'})"


def _errors(label: str, err: ValidationError, prefix: tuple[Any, ...] = ()) -> ConfigError:
    return ConfigError("\n".join(error_lines(label, err, prefix)))


def parse_pipeline(
    text: str, label: str, registry: StageRegistry, folder: Path | None = None
) -> Pipeline:
    """The validated pipeline; `folder` is where relative paths in its parameters start
    (None: the working directory)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{label}: not valid YAML: {err}") from None
    try:
        raw = _PipelineFile.model_validate(data)
    except ValidationError as err:
        raise _errors(label, err) from None
    stages = []
    context = {PIPELINE_DIR: folder, PIPELINE_STAGES: {e.stage: e.params for e in raw.stages}}
    for i, entry in enumerate(raw.stages):
        if entry.stage not in registry.names:
            known = ", ".join(registry.names)
            raise ConfigError(f"{label}: stages.{i}.stage: unknown stage {entry.stage!r} ({known})")
        try:
            cls = registry.get(entry.stage)
            params = cls.Params.model_validate(entry.params, context=context)
        except ValidationError as err:
            raise _errors(label, err, ("stages", i, "params")) from None
        stages.append(StageConfig(entry.stage, params, cls))
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ConfigError(f"{label}: stages: a stage appears twice: {names}")
    for i, (stage, after) in enumerate(itertools.pairwise(stages)):
        # e.g. shard: its output is shards, so only a stage that reads what such stages
        # publish (tokenizer and megatron read shards, train reads the export) follows
        if not stage.cls.writes_parts and after.cls.reads not in PUBLISHED_INPUTS:
            raise ConfigError(
                f"{label}: stages.{i}: {stage.name} writes no parts, so only a stage that "
                f"reads the shards or the export may follow it"
            )
    return Pipeline(raw.name, raw.description, tuple(stages), label)


def with_params(pipeline: Pipeline, stage: str, **changes: Any) -> Pipeline:
    """The pipeline with some parameters of one stage replaced (CLI overrides)."""
    stages = tuple(
        StageConfig(
            s.name, type(s.params).model_validate({**s.params.model_dump(), **changes}), s.cls
        )
        if s.name == stage
        else s
        for s in pipeline.stages
    )
    return Pipeline(pipeline.name, pipeline.description, stages, pipeline.source)
