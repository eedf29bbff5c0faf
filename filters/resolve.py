"""From filter ids in a pipeline to the manifests a run uses, and back on the workers.

The driver resolves each id (and pinned version) against a manifest folder and stores, in the
stage's parameters and so in run.json, every manifest's resolved params, sha256 and full
text. Workers rebuild the filters from that text, not from whatever manifest folder they
see, so every node applies exactly what the run record says; a text whose hash does not
match is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leam.filters.manifest import Manifest, ManifestError, load_set, parse_manifest


class FilterRef(BaseModel):
    """A filter named in a pipeline: its manifest id, optionally pinned to a version."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: str
    version: int | None = Field(None, ge=1)


def as_ref(entry: str | dict[str, Any] | FilterRef) -> FilterRef:
    if isinstance(entry, FilterRef):
        return entry
    if isinstance(entry, str):
        return FilterRef(id=entry)
    return FilterRef.model_validate(entry)


def resolve(refs: list[FilterRef], folder: Path | None = None) -> list[dict[str, Any]]:
    """The resolved manifests, in the order given (which is the order filters run in)."""
    manifests = load_set(folder)
    out = []
    for ref in refs:
        if ref.id not in manifests:
            known = ", ".join(sorted(manifests))
            raise ManifestError(f"no manifest with id {ref.id!r}; known manifests: {known}")
        m = manifests[ref.id]
        if ref.version is not None and ref.version != m.version:
            raise ManifestError(
                f"{m.source}: version: the pipeline pins {ref.id} version {ref.version}, "
                f"the manifest is version {m.version}"
            )
        out.append({**m.resolved(), "source": m.source, "text": m.text})
    return out


def from_resolved(entries: list[dict[str, Any]]) -> list[Manifest]:
    """Manifests rebuilt from a run's resolved entries, each checked against its hash."""
    manifests = []
    for entry in entries:
        m = parse_manifest(entry["text"], entry.get("source", entry["id"]))
        if m.sha256 != entry["sha256"] or m.resolved() != {k: entry[k] for k in m.resolved()}:
            raise ManifestError(
                f"resolved manifest {entry['id']!r} does not match its text (edited by hand?)"
            )
        manifests.append(m)
    return manifests
