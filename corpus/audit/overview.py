"""The first screen of the audit: which language loses most, at which step, and why.

Everything here is derived from the collected audit (run.json counters and the ledger), no
file is read again. A *step* is whatever removes documents once the language is known:
language ID itself (documents of a target language below its score threshold), each filter
in the order it ran, then every later stage that rejects (dedup). Before language ID a
document has no language (`und`), so the per-language funnel starts there.

The question a governance reviewer brings is whether a language is filtered harder than the
others: each step's removal rate per language is compared with the median over the EU
languages of the run, and a difference beyond `flag_points` percentage points is flagged.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from leam.corpus.audit.collect import Audit, FilterAudit
from leam.corpus.languages import EU24

DEFAULT_FLAG_POINTS = 10.0


@dataclass
class Step:
    name: str  # `langid`, a filter id, a stage name
    anchor: str  # where the report explains it
    removed: dict[str, int] = field(default_factory=dict)  # lang → documents removed
    entered: dict[str, int] = field(default_factory=dict)  # lang → documents that reached it
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)  # lang → reason → n

    def rate(self, lang: str) -> float:
        n = self.entered.get(lang, 0)
        return 100.0 * self.removed.get(lang, 0) / n if n else 0.0

    def top_reason(self, lang: str) -> str:
        reasons = self.reasons.get(lang) or {}
        return max(reasons, key=lambda r: (reasons[r], r)) if reasons else ""


@dataclass
class Flag:
    lang: str
    step: str
    anchor: str
    rate: float
    median: float
    reason: str

    @property
    def diff(self) -> float:
        return self.rate - self.median


@dataclass
class Overview:
    langs: list[str]  # languages that reached language ID, most lost first
    start: dict[str, int]  # lang → documents at language ID
    kept: dict[str, int]  # lang → documents after the last stage
    steps: list[Step]
    medians: dict[str, float]  # step → median rate over the EU languages present
    flags: list[Flag]
    flag_points: float
    headline: list[tuple[str, str]]  # (label, value), in reading order

    def kept_pct(self, lang: str) -> float:
        n = self.start.get(lang, 0)
        return 100.0 * self.kept.get(lang, 0) / n if n else 0.0

    def lost_most(self) -> tuple[str, Step | None]:
        """The language that kept the smallest share, and the step that removed most of it."""
        if not self.langs:
            return "", None
        lang = self.langs[0]
        steps = [s for s in self.steps if s.removed.get(lang)]
        return lang, max(steps, key=lambda s: s.removed[lang]) if steps else None


def _langid_stage(stages: dict[str, dict]) -> str | None:
    for name, s in stages.items():
        if any(lang != "und" for lang in s.get("out_by_lang", {})):
            return name
    return None


def _filter_step(f: FilterAudit, entered: dict[str, int]) -> Step:
    step = Step(f.id, f"filter-{f.id}")
    step.entered = {lang: c.get("in", 0) for lang, c in f.by_lang.items()}
    step.removed = {lang: f.removed(lang) for lang in f.by_lang}
    step.reasons = f.reasons_by_lang
    for lang in entered:
        step.entered.setdefault(lang, 0)
    return step


def _stage_step(name: str, s: dict, entered: dict[str, int]) -> Step:
    by_lang = s.get("rejected_by_lang", {})
    removed = {lang: sum(r.values()) for lang, r in by_lang.items() if lang in entered}
    return Step(name, f"stage-{name}", removed, dict(entered), {k: by_lang[k] for k in removed})


def steps_of(audit: Audit) -> tuple[dict[str, int], list[Step]]:
    """(documents per language at language ID, the steps after it in order)."""
    stages = audit.record["stages"]
    first = _langid_stage(stages)
    if first is None:
        return {}, []
    s = stages[first]
    out = s["out_by_lang"]
    rejected = {lang: sum(r.values()) for lang, r in s.get("rejected_by_lang", {}).items()}
    start = {lang: n + rejected.get(lang, 0) for lang, n in out.items()}
    steps = [_stage_step(first, s, start)]
    current = dict(out)
    by_stage: dict[str, list[FilterAudit]] = {}
    for f in audit.filters:
        by_stage.setdefault(f.stage, []).append(f)
    names = list(stages)
    for name in names[names.index(first) + 1 :]:
        if name in by_stage:
            for f in by_stage[name]:
                steps.append(_filter_step(f, current))
        elif stages[name].get("rejected_by_lang"):
            steps.append(_stage_step(name, stages[name], current))
        else:
            continue
        out_by_lang = stages[name].get("out_by_lang", {})
        current = {lang: out_by_lang.get(lang, 0) for lang in current}
    return start, steps


def _medians(steps: list[Step], langs: list[str]) -> dict[str, float]:
    eu = [lang for lang in langs if lang in EU24] or langs
    return {s.name: statistics.median(s.rate(lang) for lang in eu) if eu else 0.0 for s in steps}


def _headline(audit: Audit, start: dict[str, int], kept: dict[str, int]) -> list[tuple[str, str]]:
    rec, stages = audit.record, audit.record["stages"]
    names = list(stages)
    docs = stages[names[-1]]["docs_out"] if names else 0
    first_in = stages[names[0]]["docs_in"] if names else 0
    shard = stages.get("shard", {}).get("prepared") or {}
    words = sum(f.get("words", 0) for f in shard.get("languages", {}).values())
    redactions = sum(n for f in audit.filters for c in f.redacted.values() for n in c.values())
    crawl = (rec.get("crawl") or {}).get("by_decision", {})
    if crawl:
        optouts = sum(sum(crawl.get(k, {}).values()) for k in ("disallowed", "reserved"))
    else:
        optouts = sum(
            s.get("rejected_by_reason", {}).get("tdm_reservation", 0) for s in stages.values()
        )
    removed = 100.0 * (first_in - docs) / first_in if first_in else 0.0
    return [
        ("documents", f"{docs:,}"),
        ("words", f"{words:,}" if shard else "not sharded"),
        ("languages", str(sum(1 for n in kept.values() if n))),
        ("removed", f"{removed:.1f} % of {first_in:,}"),
        ("PII redactions", f"{redactions:,}"),
        ("opt-outs honoured", f"{optouts:,}"),
    ]


def build(audit: Audit, flag_points: float = DEFAULT_FLAG_POINTS) -> Overview:
    start, steps = steps_of(audit)
    stages = audit.record["stages"]
    last = stages[list(stages)[-1]]["out_by_lang"] if stages else {}
    kept = {lang: last.get(lang, 0) for lang in start}
    langs = sorted(start, key=lambda lang: (kept[lang] / start[lang] if start[lang] else 1, lang))
    medians = _medians(steps, langs)
    flags = [
        Flag(lang, s.name, s.anchor, s.rate(lang), medians[s.name], s.top_reason(lang))
        for s in steps
        for lang in langs
        if s.entered.get(lang) and abs(s.rate(lang) - medians[s.name]) > flag_points
    ]
    flags.sort(key=lambda f: -abs(f.diff))
    return Overview(
        langs, start, kept, steps, medians, flags, flag_points, _headline(audit, start, kept)
    )
