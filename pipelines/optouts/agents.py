"""The opt-out manifest (manifests/optouts/ai_optouts.yaml): the AI user-agent tokens that
robots.txt and ai.txt are read for, each with its rationale, and the failure rules.

Validated strictly, like the filter manifests: an unknown key or a missing rationale is an
error naming the file and the key. Its sha256 goes into run.json with the stage parameters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leam.filters.manifest import bundled_dir

NAME = "ai_optouts.yaml"
FAILURE_FILES = ("robots_txt", "tdmrep_json", "ai_txt")


class Agent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    token: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    rationale: str = Field(min_length=1)


class _OptoutFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: Literal["ai_optouts"]
    version: int = Field(ge=1)
    rationale: str = Field(min_length=1)
    agents: list[Agent] = Field(min_length=1)
    on_failure: dict[Literal["robots_txt", "tdmrep_json", "ai_txt"], Literal["reserve", "ignore"]]
    cache_ttl_days: float = Field(gt=0)


@dataclass(frozen=True)
class OptoutPolicy:
    """The manifest, read: what decide.py needs, and what run.json records."""

    version: int
    tokens: tuple[str, ...]  # our own first
    on_failure: dict[str, str]  # file → reserve | ignore
    cache_ttl_s: float
    sha256: str
    path: str

    def fails_closed(self, file: str) -> bool:
        return self.on_failure.get(file) == "reserve"


def default_path() -> Path:
    return bundled_dir() / "optouts" / NAME


def load_policy(path: Path | None = None) -> OptoutPolicy:
    path = path or default_path()
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
        parsed = _OptoutFile.model_validate(data)
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not YAML ({err})") from None
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{path}: {key}: {first['msg']}") from None
    missing = [f for f in FAILURE_FILES if f not in parsed.on_failure]
    if missing:
        raise ValueError(f"{path}: on_failure: give a rule for {', '.join(missing)}")
    return OptoutPolicy(
        version=parsed.version,
        tokens=tuple(a.token for a in parsed.agents),
        on_failure=dict(parsed.on_failure),
        cache_ttl_s=parsed.cache_ttl_days * 86_400,
        sha256=hashlib.sha256(raw).hexdigest(),
        path=str(path),
    )
