"""Governance manifests: one YAML file per filter, read by people, validated strictly.

    id: gopher_quality
    version: 1
    category: quality                 # quality | ethics | privacy | legal
    implementation: gopher_quality    # a filter id from filters.registry, never an import path
    action: drop                      # drop | redact | annotate
    rationale: Removes documents that are not running prose ...
    references: ["Rae et al. 2021, Scaling Language Models, appendix A"]
    params: {min_words: 50}
    languages:
      fi:
        reason: Finnish words are long compounds ...
        params: {max_mean_word_length: 12}

Every error names the file and the key (`gopher_quality.yaml: languages.fi.params.min_words:
Input should be a valid integer`). YAML anchors and aliases are refused: a reviewer must see
each value where it applies. A manifest's sha256 is that of its file's bytes, so a reviewer
can check it with `sha256sum`.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leam.corpus.config import error_lines
from leam.corpus.languages import EU24
from leam.filters.base import Filter, FilterParams
from leam.filters.registry import UnknownFilterError, filter_class

Category = Literal["quality", "ethics", "privacy", "legal"]
Action = Literal["drop", "redact", "annotate"]


class ManifestError(ValueError):
    """A manifest (or a set of them) that cannot be used; one line per problem."""


class _Override(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    reason: str = Field(min_length=1)
    params: dict[str, Any] = Field(min_length=1)


class _ManifestFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    category: Category
    implementation: str
    action: Action
    rationale: str = Field(min_length=1)
    references: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    languages: dict[str, _Override] = Field(default_factory=dict)


@dataclass(frozen=True)
class Override:
    reason: str
    values: dict[str, Any]  # only what the language changes
    params: FilterParams  # the defaults with those changes


@dataclass(frozen=True)
class Manifest:
    id: str
    version: int
    category: str
    implementation: str
    action: str
    rationale: str
    references: tuple[str, ...]
    params: FilterParams
    languages: dict[str, Override]
    source: str
    sha256: str
    text: str

    @property
    def filter(self) -> type[Filter]:
        return filter_class(self.implementation)

    def params_for(self, lang: str) -> FilterParams:
        override = self.languages.get(lang)
        return override.params if override else self.params

    def resolved(self) -> dict[str, Any]:
        """What the run record keeps: every default, and each language's changes."""
        return {
            "id": self.id,
            "version": self.version,
            "sha256": self.sha256,
            "category": self.category,
            "implementation": self.implementation,
            "action": self.action,
            "params": self.params.model_dump(mode="json"),
            "languages": {
                lang: {"reason": o.reason, "params": o.values} for lang, o in self.languages.items()
            },
        }


def _refuse_anchors(text: str, label: str) -> None:
    for token in yaml.scan(text):
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            line = token.start_mark.line + 1
            raise ManifestError(
                f"{label}: line {line}: YAML anchors and aliases are not allowed "
                "(write each value where it applies)"
            )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_manifest(text: str, label: str, expected_id: str | None = None) -> Manifest:
    """A validated manifest; ManifestError lists every problem, each with file and key."""
    try:
        _refuse_anchors(text, label)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ManifestError(f"{label}: not valid YAML: {err}") from None
    try:
        raw = _ManifestFile.model_validate(data)
    except ValidationError as err:
        raise ManifestError("\n".join(error_lines(label, err))) from None
    problems: list[str] = []
    if expected_id is not None and raw.id != expected_id:
        problems.append(f"{label}: id: {raw.id!r} does not match the file name {expected_id}.yaml")
    try:
        cls = filter_class(raw.implementation)
    except UnknownFilterError as err:
        raise ManifestError(f"{label}: implementation: {err}") from None
    if raw.action not in cls.actions:
        problems.append(
            f"{label}: action: {raw.action!r} is not an action of {raw.implementation} "
            f"({', '.join(cls.actions)})"
        )
    try:
        defaults = cls.Params.model_validate(raw.params)
    except ValidationError as err:
        lines = problems + error_lines(label, err, ("params",))
        raise ManifestError("\n".join(lines)) from None
    overrides: dict[str, Override] = {}
    for lang, o in raw.languages.items():
        if lang not in EU24:
            problems.append(
                f"{label}: languages.{lang}: not one of the EU-24 codes ({', '.join(EU24)})"
            )
            continue
        try:
            merged = cls.Params.model_validate({**raw.params, **o.params})
        except ValidationError as err:
            problems += error_lines(label, err, ("languages", lang, "params"))
            continue
        overrides[lang] = Override(o.reason, o.params, merged)
    if problems:
        raise ManifestError("\n".join(problems))
    return Manifest(
        raw.id, raw.version, raw.category, raw.implementation, raw.action, raw.rationale,
        tuple(raw.references), defaults, overrides, label, sha256_text(text), text,
    )  # fmt: skip


def load_manifest(path: Path) -> Manifest:
    return parse_manifest(path.read_text(encoding="utf-8"), path.name, expected_id=path.stem)


def bundled_dir() -> Path:
    """The manifests that ship with the package: the `manifests` folder, installed next to
    `filters` as a data-only (namespace) package. Found through the import system's search
    path rather than importlib.resources, whose namespace support breaks on editable installs.
    """
    spec = importlib.util.find_spec("leam.manifests")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir() and any(Path(location).glob("*.yaml")):
            return Path(location)
    raise FileNotFoundError("the bundled manifests folder is missing from the installation")


def manifest_paths(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such manifest folder")
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def load_set(folder: Path | None = None) -> dict[str, Manifest]:
    """Every manifest of a folder by id; ManifestError lists the problems of all files."""
    manifests: dict[str, Manifest] = {}
    problems: list[str] = []
    for path in manifest_paths(folder or bundled_dir()):
        try:
            m = load_manifest(path)
        except ManifestError as err:
            problems.append(str(err))
            continue
        manifests[m.id] = m
    if problems:
        raise ManifestError("\n".join(problems))
    return manifests
