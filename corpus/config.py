"""Pipeline files: YAML that lists stages in order, each with its parameters.

    name: demo
    description: extract + language ID on the bundled sample
    stages:
      - stage: extract
      - stage: langid
        params: {default_threshold: 0.5, thresholds: {sl: 0.3}}

Validation is strict and every error names the file and the key (`stages.1.params.thresholds`).
A name without a path (`demo`, `eu24`) is a preset shipped in pipelines/presets/. Relative
paths in stage parameters (the filter stage's `manifests`) are relative to the pipeline
file's folder, a preset's to pipelines/presets/.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leam.corpus.stage import PIPELINE_DIR, PIPELINE_STAGES, StageParams

# What stages read that is not a previous stage's parts: the shards, the Megatron export.
PUBLISHED_READS = ("shards", "export")


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
    def single(cls, name: str, params: StageParams) -> Pipeline:
        """One stage alone, as the per-stage commands (`leam extract`, ...) run it."""
        return cls(name, f"the {name} stage alone", (StageConfig(name, params),), "cli")

    def stage(self, name: str) -> StageConfig:
        for s in self.stages:
            if s.name == name:
                return s
        names = ", ".join(s.name for s in self.stages)
        raise KeyError(f"{self.source}: no stage {name!r} (it has {names})")


def presets_dir() -> Path:
    """pipelines/presets/ as installed: the preset files, and what they refer to."""
    return Path(str(resources.files("leam.pipelines") / "presets"))


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def _read_source(spec: str) -> tuple[str, str, Path]:
    """(label, YAML text, the folder its relative paths start from) of a path or a preset."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(f"{spec}: no such pipeline file")
        return str(path), path.read_text(), path.resolve().parent
    if spec in preset_names():
        return f"preset {spec}", (presets_dir() / f"{spec}.yaml").read_text(), presets_dir()
    raise ConfigError(f"{spec}: neither a pipeline file nor a preset ({', '.join(preset_names())})")


def error_lines(label: str, err: ValidationError, prefix: tuple[Any, ...] = ()) -> list[str]:
    """`file: key.path: what is wrong`, one line per problem (pipelines and manifests)."""
    return [
        f"{label}: {'.'.join(str(p) for p in (*prefix, *e['loc'])) or '(top level)'}: {e['msg']}"
        for e in err.errors()
    ]


def _errors(label: str, err: ValidationError, prefix: tuple[Any, ...] = ()) -> ConfigError:
    return ConfigError("\n".join(error_lines(label, err, prefix)))


def parse_pipeline(text: str, label: str, folder: Path | None = None) -> Pipeline:
    """The validated pipeline; `folder` is where relative paths in its parameters start
    (None: the working directory)."""
    # the stages depend on corpus, not the reverse
    from leam.pipelines.registry import STAGE_NAMES, stage_class

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
        if entry.stage not in STAGE_NAMES:
            known = ", ".join(STAGE_NAMES)
            raise ConfigError(f"{label}: stages.{i}.stage: unknown stage {entry.stage!r} ({known})")
        try:
            params = stage_class(entry.stage).Params.model_validate(entry.params, context=context)
        except ValidationError as err:
            raise _errors(label, err, ("stages", i, "params")) from None
        stages.append(StageConfig(entry.stage, params))
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ConfigError(f"{label}: stages: a stage appears twice: {names}")
    for i, name in enumerate(names[:-1]):
        # e.g. shard: its output is shards, so only a stage that reads what such stages
        # publish (tokenizer and megatron read shards, train reads the export) follows
        after = stage_class(names[i + 1])
        if (
            not getattr(stage_class(name), "writes_parts", True)
            and getattr(after, "reads", "") not in PUBLISHED_READS
        ):
            raise ConfigError(
                f"{label}: stages.{i}: {name} writes no parts, so only a stage that reads the "
                f"shards or the export may follow it"
            )
    return Pipeline(raw.name, raw.description, tuple(stages), label)


def load_pipeline(spec: str) -> Pipeline:
    label, text, folder = _read_source(spec)
    return parse_pipeline(text, label, folder)


def with_params(pipeline: Pipeline, stage: str, **changes: Any) -> Pipeline:
    """The pipeline with some parameters of one stage replaced (CLI overrides)."""
    stages = tuple(
        StageConfig(s.name, type(s.params).model_validate({**s.params.model_dump(), **changes}))
        if s.name == stage
        else s
        for s in pipeline.stages
    )
    return Pipeline(pipeline.name, pipeline.description, stages, pipeline.source)
