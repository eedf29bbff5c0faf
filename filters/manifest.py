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
    """A validated manifest; ManifestError lists every problem, each with file, key and the
    value given: the parameters and languages are checked even when a top-level field is
    wrong, so that a reviewer fixes a file in one round."""
    try:
        _refuse_anchors(text, label)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ManifestError(f"{label}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{label}: (top level): a mapping of fields is expected")
    problems: list[str] = []
    raw: _ManifestFile | None = None
    try:
        raw = _ManifestFile.model_validate(data)
    except ValidationError as err:
        problems += error_lines(label, err)
    if expected_id is not None and data.get("id") != expected_id:
        problems.append(
            f"{label}: id: {data.get('id')!r} does not match the file name {expected_id}.yaml"
        )
    cls: type[Filter] | None = None
    try:
        cls = filter_class(str(data.get("implementation")))
    except UnknownFilterError as err:
        problems.append(f"{label}: implementation: {err}")
    if cls is not None and data.get("action") in ("drop", "redact", "annotate"):
        if data["action"] not in cls.actions:
            problems.append(
                f"{label}: action: {data['action']!r} is not an action of {cls.__name__} "
                f"({', '.join(cls.actions)})"
            )
    defaults, overrides = _check_params(cls, data, label, problems)
    if problems or raw is None or defaults is None:
        raise ManifestError("\n".join(dict.fromkeys(problems)))  # each problem once
    return Manifest(
        raw.id, raw.version, raw.category, raw.implementation, raw.action, raw.rationale,
        tuple(raw.references), defaults, overrides, label, sha256_text(text), text,
    )  # fmt: skip


def _check_params(
    cls: type[Filter] | None, data: dict[str, Any], label: str, problems: list[str]
) -> tuple[FilterParams | None, dict[str, Override]]:
    """The default parameters and each language's, validated against the filter's
    parameter set; problems are appended, not raised."""
    params = data.get("params") or {}
    languages = data.get("languages") or {}
    if cls is None or not isinstance(params, dict) or not isinstance(languages, dict):
        return None, {}
    defaults = None
    try:
        defaults = cls.Params.model_validate(params)
    except ValidationError as err:
        problems += error_lines(label, err, ("params",))
    overrides: dict[str, Override] = {}
    for lang, o in languages.items():
        if lang not in EU24:
            problems.append(
                f"{label}: languages.{lang}: not one of the EU-24 codes ({', '.join(EU24)})"
            )
            continue
        values = o.get("params") if isinstance(o, dict) else None
        if not isinstance(values, dict):
            continue  # the top-level validation named what is wrong with it
        try:
            merged = cls.Params.model_validate({**params, **values})
        except ValidationError as err:
            own = [e for e in error_lines(label, err, ("languages", lang, "params"))
                   if any(f".params.{k}:" in e for k in values)]  # fmt: skip
            problems += own
            continue
        overrides[lang] = Override(str(o.get("reason", "")), values, merged)
    return defaults, overrides


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
