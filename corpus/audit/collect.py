"""The figures of an audit, from a run directory alone.

Counts come from run.json (the stage's counters, summed from every task, so they are exact
for any run size); manifests come from the run's resolved parameters (what was in force,
not what the manifest folder holds today); samples and signal distributions come from the
ledger and the kept documents, read column by column and capped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pyarrow.parquet as pq

from leam.corpus import runrecord
from leam.corpus.languages import language_name
from leam.corpus.rundir import RunDir

MAX_SIGNAL_ROWS = 50_000  # documents read for the signal distributions
SNIPPET_CHARS = 300


@dataclass
class Sample:
    url: str
    lang: str
    reason: str
    detail: str
    snippet: str


@dataclass
class Distribution:
    signal: str
    param: str
    kind: str  # min | max
    threshold: float | None
    values: list[float]


@dataclass
class FilterAudit:
    manifest: dict[str, Any]  # the resolved manifest (id, version, sha256, params, text...)
    stage: str
    by_lang: dict[str, dict[str, int]] = field(default_factory=dict)  # lang → in/removed/...
    redacted: dict[str, dict[str, int]] = field(default_factory=dict)  # category → lang → n
    # category → issuing country → lang → n (national ids and phone numbers)
    origins: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    rewritten: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.manifest["id"]

    def totals(self) -> dict[str, int]:
        keys = ("in", "removed", "would_remove")
        return {k: sum(v.get(k, 0) for v in self.by_lang.values()) for k in keys}


@dataclass
class Audit:
    run_id: str
    record: dict[str, Any]
    filters: list[FilterAudit]
    reconciliation: list[dict[str, Any]]  # per stage: in, out, rejected, reconciled


def _filter_stages(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (s["stage"], s["params"])
        for s in record["pipeline"]["stages"]
        if "resolved" in s.get("params", {})
    ]


def _counters(audit: FilterAudit, counters: dict[str, int]) -> None:
    prefix = audit.id + "."
    for key, n in counters.items():
        if not key.startswith(prefix):
            continue
        parts = key[len(prefix) :].split(".")
        if len(parts) == 2:  # in.<lang>, removed.<lang>, would_remove.<lang>
            audit.by_lang.setdefault(parts[1], {})[parts[0]] = n
        elif len(parts) == 3 and parts[0] == "redacted":
            audit.redacted.setdefault(parts[1], {})[parts[2]] = n
        elif len(parts) == 4 and parts[0] == "redacted":  # redacted.<category>.<country>.<lang>
            by_country = audit.origins.setdefault(parts[1], {})
            by_country.setdefault(parts[2], {})[parts[3]] = n
        elif len(parts) == 3 and parts[0] == "rewritten":
            audit.rewritten.setdefault(parts[1], {})[parts[2]] = n
    audit.by_lang = dict(sorted(audit.by_lang.items()))


def _ledger(run_dir: RunDir, stage: str) -> list[dict[str, Any]]:
    cols = ["url", "lang", "reason", "detail", "text", "filter_id", "signals"]
    rows: list[dict[str, Any]] = []
    for path in run_dir.ledgers(stage):
        rows.extend(pq.read_table(path, columns=cols).to_pylist())
    return rows


def _kept_quality(run_dir: RunDir, stage: str) -> list[dict[str, float]]:
    out: list[dict[str, float]] = []
    for path in run_dir.parts(stage):
        for batch in pq.ParquetFile(path).iter_batches(columns=["quality"], batch_size=2000):
            out.extend(dict(q or []) for q in batch.column(0).to_pylist())
            if len(out) >= MAX_SIGNAL_ROWS:
                return out
    return out


def _distributions(audit: FilterAudit, kept: list[dict[str, float]], ledger: list[dict]) -> None:
    from leam.filters.registry import filter_class  # the audit reads filters' threshold metadata

    cls = filter_class(audit.manifest["implementation"])
    params = audit.manifest["params"]
    own = [dict(r["signals"] or []) for r in ledger if r["filter_id"] == audit.id]
    for t in cls.thresholds:
        key = f"{audit.id}.{t.signal}"
        values = [q[key] for q in kept if key in q] + [s[t.signal] for s in own if t.signal in s]
        audit.distributions.append(
            Distribution(t.signal, t.param, t.kind, params.get(t.param), values)
        )


def collect(run_dir: RunDir, samples_per_filter: int = 5, seed: int = 0) -> Audit:
    record = runrecord.load(run_dir)
    rng = random.Random(seed)
    filters: list[FilterAudit] = []
    for stage, params in _filter_stages(record):
        counters = record["stages"].get(stage, {}).get("counters", {})
        ledger = _ledger(run_dir, stage)
        kept = _kept_quality(run_dir, stage)
        for manifest in params["resolved"]:
            audit = FilterAudit(manifest, stage)
            _counters(audit, counters)
            removed = [r for r in ledger if r["filter_id"] == audit.id]
            for r in removed:
                audit.reasons[r["reason"]] = audit.reasons.get(r["reason"], 0) + 1
            for r in rng.sample(removed, min(samples_per_filter, len(removed))):
                snippet = " ".join((r["text"] or "").split())[:SNIPPET_CHARS]
                audit.samples.append(
                    Sample(r["url"] or "", r["lang"] or "", r["reason"], r["detail"] or "", snippet)
                )
            _distributions(audit, kept, ledger)
            filters.append(audit)
    reconciliation = [
        {
            "stage": name,
            "in": s["docs_in"],
            "out": s["docs_out"],
            "rejected": s["docs_rejected"],
            "reconciled": s["docs_in"] == s["docs_out"] + s["docs_rejected"],
        }
        for name, s in record["stages"].items()
    ]
    return Audit(record["run_id"], record, filters, reconciliation)


def language_rows(audit: FilterAudit) -> list[list[str]]:
    """The per-language table of both reports: lang, language, in, removed (or would be
    removed in annotate mode), % removed; then the `all` row."""

    def row(lang: str, name: str, c: dict[str, int]) -> list[str]:
        n, gone = c.get("in", 0), c.get("removed", 0) or c.get("would_remove", 0)
        return [lang, name, str(n), str(gone), f"{100 * gone / n:.1f}" if n else "0.0"]

    rows = [row(lang, language_name(lang), c) for lang, c in audit.by_lang.items()]
    return [*rows, row("all", "", audit.totals())]


def cross_border_rows(audit: FilterAudit) -> list[list[str]]:
    """Identifiers and phone numbers found on pages written in another language than their
    country's (a German tax id on a French page): category, country, lang, language, count."""
    from leam.filters.pii_regions import is_foreign  # which languages each country writes

    rows = []
    for category, countries in sorted(audit.origins.items()):
        for country, langs in sorted(countries.items()):
            for lang, n in sorted(langs.items()):
                if is_foreign(country, lang):
                    rows.append([category, country, lang, language_name(lang), str(n)])
    return rows


def removal_rates(audit: FilterAudit) -> list[tuple[str, float]]:
    """(language, % removed, or % that would be removed in annotate mode) per language."""
    rates = []
    for lang, c in audit.by_lang.items():
        n = c.get("in", 0)
        gone = c.get("removed", 0) or c.get("would_remove", 0)
        rates.append((lang, 100.0 * gone / n if n else 0.0))
    return rates
