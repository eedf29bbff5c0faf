"""Two runs side by side: what changed per step and language, and which manifests changed.

The common case is a manifest change rerun on the same input: the comparison says, per
filter and language, how the removal rate moved, and shows the manifest diff that caused it
(from each run's record, so it is the text that was in force, not today's file).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from leam.corpus.audit.collect import Audit
from leam.corpus.audit.overview import Overview


@dataclass
class Change:
    step: str
    lang: str
    before: float | None  # % removed in the other run (None: the step or language was absent)
    after: float | None  # % removed in this run
    removed_before: int
    removed_after: int

    @property
    def delta(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


@dataclass
class Comparison:
    other: str  # the other run's id
    changes: list[Change]  # cells that differ, largest change first
    kept: list[tuple[str, int, int]]  # (lang, kept in the other run, kept in this one)
    manifest_diffs: dict[str, str] = field(default_factory=dict)  # filter id → unified diff
    only_here: list[str] = field(default_factory=list)  # filters this run has, the other not
    only_there: list[str] = field(default_factory=list)


def _manifests(audit: Audit) -> dict[str, dict]:
    return {f.id: f.manifest for f in audit.filters}


def compare(this: Audit, this_view: Overview, other: Audit, other_view: Overview) -> Comparison:
    steps_then = {s.name: s for s in other_view.steps}
    changes = []
    for step in this_view.steps:
        then = steps_then.get(step.name)
        for lang in sorted(set(step.entered) | set(then.entered if then else {})):
            here = step.entered.get(lang) is not None
            there = then is not None and then.entered.get(lang) is not None
            gone_now = step.removed.get(lang, 0)
            gone_then = then.removed.get(lang, 0) if then else 0
            if there and here and gone_now == gone_then:
                if abs(step.rate(lang) - then.rate(lang)) < 0.05:
                    continue  # what reached the step may differ; what it did did not
            changes.append(
                Change(
                    step.name,
                    lang,
                    then.rate(lang) if there else None,
                    step.rate(lang) if here else None,
                    gone_then,
                    gone_now,
                )
            )
    changes.sort(key=lambda c: (-abs(c.delta), c.step, c.lang))
    langs = sorted(set(this_view.start) | set(other_view.start))
    kept = [(lang, other_view.kept.get(lang, 0), this_view.kept.get(lang, 0)) for lang in langs]
    mine, theirs = _manifests(this), _manifests(other)
    diffs = {}
    for fid in mine.keys() & theirs.keys():
        if mine[fid]["sha256"] != theirs[fid]["sha256"]:
            diffs[fid] = "".join(
                difflib.unified_diff(
                    theirs[fid]["text"].splitlines(keepends=True),
                    mine[fid]["text"].splitlines(keepends=True),
                    f"{other.run_id}/{fid}.yaml",
                    f"{this.run_id}/{fid}.yaml",
                )
            )
    return Comparison(
        other.run_id,
        changes,
        kept,
        dict(sorted(diffs.items())),
        [f for f in mine if f not in theirs],
        [f for f in theirs if f not in mine],
    )
