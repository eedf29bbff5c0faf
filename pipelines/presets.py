"""Pipeline presets (pipelines/presets/*.yaml) and pipeline files, parsed with the project's
stage registry.

    load_pipeline("eu24")               # a preset, by name
    load_pipeline("my-pipeline.yaml")   # a file; its relative paths start at its folder

A preset's relative paths start at pipelines/presets/, so that a preset means the same from
any working directory.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from leam.corpus.config import ConfigError, Pipeline
from leam.corpus.config import parse_pipeline as parse_with
from leam.pipelines.registry import REGISTRY


def presets_dir() -> Path:
    """pipelines/presets/ as installed: the preset files, and what they refer to."""
    return Path(str(resources.files("leam.pipelines") / "presets"))


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def parse_pipeline(text: str, label: str, folder: Path | None = None) -> Pipeline:
    """A pipeline's YAML text, validated against the project's stages."""
    return parse_with(text, label, REGISTRY, folder)


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


def load_pipeline(spec: str, optouts: dict[str, Any] | None = None) -> Pipeline:
    """A preset or file; with `optouts` (the stage's params), the stage `optouts` is put
    right after `extract` unless the pipeline has it already (`leam ingest`: dumps we did
    not crawl get the opt-out checks our crawler makes)."""
    label, text, folder = _read_source(spec)
    if optouts is not None:
        data = yaml.safe_load(text)
        stages = data.get("stages") if isinstance(data, dict) else None
        if isinstance(stages, list) and not any(
            isinstance(s, dict) and s.get("stage") == "optouts" for s in stages
        ):
            at = next((i + 1 for i, s in enumerate(stages)
                       if isinstance(s, dict) and s.get("stage") == "extract"), 0)  # fmt: skip
            stages.insert(at, {"stage": "optouts", "params": optouts})
            text, label = json.dumps(data), f"{label} + optouts"
    return parse_pipeline(text, label, folder)
