"""Stage `filter`: quality, ethics, privacy and legal filters, as governance manifests say.

    stages:
      - stage: filter
        params:
          filters: [pii_redaction, gopher_quality, {id: c4_quality, version: 1}]
          annotate_only: false          # true: record decisions and signals, remove nothing
          manifests: fineweb/manifests  # another folder, relative to the pipeline file's

Filters run in the order listed; a document stops at the first filter that drops it. Every
filter's signals go into the document's `quality` map as `<filter>.<signal>` (kept documents
carry them all, for threshold studies); a drop goes to the ledger with the filter id, the
manifest version, the reason and the signal values. Counters per filter and language
(`<filter>.in.<lang>`, `.removed.`, `.would_remove.`, `.redacted.<category>.`) go into
run.json for `leam audit`. The resolved manifests (params, sha256, text) are part of the
stage's parameters, so run.json records them and a changed manifest cannot be resumed into.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, model_validator

from leam.corpus.schema import quality_map
from leam.corpus.stage import NO_LANG, BaseStage, Context, Doc, StageParams, pipeline_path
from leam.filters.base import Filter
from leam.filters.manifest import Manifest
from leam.filters.resolve import FilterRef, as_ref, from_resolved, resolve


class FilterStageParams(StageParams):
    filters: list[str | FilterRef] = Field(min_length=1, description="manifest ids, in order")
    annotate_only: bool = Field(False, description="record decisions, remove or change nothing")
    manifests: str | None = Field(
        None,
        description="manifest folder, relative to the pipeline file's; default: the bundled one",
    )
    resolved: list[dict[str, Any]] = Field(
        default_factory=list, description="filled in from the manifests: what run.json records"
    )

    @model_validator(mode="before")
    @classmethod
    def _resolve(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and not data.get("resolved") and data.get("filters"):
            refs = [as_ref(f) for f in data["filters"]]
            folder = pipeline_path(data["manifests"], info) if data.get("manifests") else None
            data = {**data, "resolved": resolve(refs, folder)}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> FilterStageParams:
        refs = [as_ref(f) for f in self.filters]
        manifests = from_resolved(self.resolved)
        if [m.id for m in manifests] != [r.id for r in refs]:
            raise ValueError("resolved manifests do not match `filters`")
        for ref, m in zip(refs, manifests, strict=True):
            if ref.version is not None and ref.version != m.version:
                raise ValueError(f"{ref.id}: pinned version {ref.version}, resolved {m.version}")
        return self


class FilterStage(BaseStage):
    name: ClassVar[str] = "filter"
    Params: ClassVar[type[StageParams]] = FilterStageParams

    def __init__(self, params: FilterStageParams) -> None:
        self.params = params
        self.manifests: list[Manifest] = []
        self._filters: dict[tuple[str, str], Filter] = {}

    def setup(self) -> None:
        self.manifests = from_resolved(self.params.resolved)
        for m in self.manifests:  # loads the filters' data (blocklists) once per worker
            self._filter(m, NO_LANG)

    def _filter(self, m: Manifest, lang: str) -> Filter:
        key = (m.id, lang)
        if key not in self._filters:
            self._filters[key] = m.filter(m.params_for(lang), lang)
        return self._filters[key]

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]:
        for doc in docs:
            if self.apply(doc, ctx):
                yield ctx.kept(doc)

    def apply(self, doc: Doc, ctx: Context) -> bool:
        """Runs the chain on one document; False when a filter dropped it (ledger written).
        Public so that extract can run URL-only filters before it extracts anything."""
        lang = doc.get("lang") or NO_LANG
        quality = quality_map(doc)
        for m in self.manifests:
            f = self._filter(m, lang)
            mode = "annotate" if self.params.annotate_only else m.action
            ctx.count(f"{m.id}.in.{lang}")
            if mode == "redact":
                doc["text"], found = f.rewrite(doc)  # type: ignore[attr-defined]
                for category, n in found.items():
                    ctx.count(f"{m.id}.redacted.{category}.{lang}", n)
                quality.update({f"{m.id}.{k}": float(v) for k, v in found.items()})
                continue
            signals = f.score(doc)
            quality.update({f"{m.id}.{k}": v for k, v in signals.items()})
            verdict = f.decide(signals)
            if not verdict.keep and mode == "drop":
                ctx.count(f"{m.id}.removed.{lang}")
                doc["quality"] = quality
                ctx.reject(
                    verdict.reason,  # type: ignore[union-attr]
                    doc,
                    detail=f"{m.id} v{m.version}: {verdict.detail()}",  # type: ignore[union-attr]
                    filter_id=m.id,
                    filter_version=m.version,
                    signals=signals,
                )
                return False
            if not verdict.keep:  # annotate: say what would have happened, keep the document
                ctx.count(f"{m.id}.would_remove.{lang}")
                quality[f"{m.id}.would_drop.{verdict.reason}"] = 1.0  # type: ignore[union-attr]
            elif mode == "drop" and hasattr(f, "rewrite"):
                doc["text"], changed = f.rewrite(doc)
                for what, n in changed.items():
                    ctx.count(f"{m.id}.rewritten.{what}.{lang}", n)
        doc["quality"] = quality
        return True
