"""The figures of an audit, from a run directory alone.

Counts come from run.json (the stage's counters, summed from every task, so they are exact
for any run size); manifests come from the run's resolved parameters (what was in force,
not what the manifest folder holds today); samples, borderline documents and signal
distributions come from the ledger and the kept documents, read column by column and capped.

SECTIONS is the order of both reports (HTML and Markdown): each report has a renderer per
section, so that the two cannot drift apart.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow.parquet as pq

from leam.corpus import runrecord, takedown_log
from leam.corpus.audit.triggers import Mark, locate, placeholders, window
from leam.corpus.damage import damaged_inputs, damaged_spans
from leam.corpus.languages import language_name
from leam.corpus.optout_figures import optout_figures
from leam.corpus.rundir import RunDir

MAX_SIGNAL_ROWS = 50_000  # kept documents read for distributions and borderline samples
MAX_REDACTED_CANDIDATES = 500  # kept documents with a redaction, drawn from for samples

# (anchor, title) in the order both reports give them; `comparison` only with --compare.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("comparison", "Comparison with another run"),
    ("reconciliation", "Reconciliation"),
    ("damaged", "Damaged inputs"),
    ("governance", "Opt-outs and takedowns"),
    ("filters", "Filters"),
    ("manifests", "Manifests in force"),
)


def sections(audit: Audit, compared: bool) -> list[tuple[str, str]]:
    """The sections a report has, in order: the comparison only when another run is given,
    opt-outs and takedowns only when the run has any."""
    governed = bool(optout_rows(audit) or takedown_rows(audit))
    skip = {"comparison"} - ({"comparison"} if compared else set())
    if not governed:
        skip.add("governance")
    return [(a, t) for a, t in SECTIONS if a not in skip]


@dataclass
class Sample:
    """A removed (or redacted) document: a window of its text with the trigger marked."""

    url: str
    lang: str
    reason: str
    detail: str
    snippet: str
    marks: list[Mark] = field(default_factory=list)


@dataclass
class Borderline:
    """A kept document just inside a threshold: what the threshold is deciding on."""

    url: str
    lang: str
    signal: str
    kind: str  # min | max
    value: float
    threshold: float
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
    reasons_by_lang: dict[str, dict[str, int]] = field(default_factory=dict)  # lang → reason
    samples: list[Sample] = field(default_factory=list)
    borderline: list[Borderline] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.manifest["id"]

    def totals(self) -> dict[str, int]:
        keys = ("in", "removed", "would_remove")
        return {k: sum(v.get(k, 0) for v in self.by_lang.values()) for k in keys}

    def removed(self, lang: str) -> int:
        """Removed, or that would be removed in annotate mode."""
        c = self.by_lang.get(lang, {})
        return c.get("removed", 0) or c.get("would_remove", 0)

    def quiet(self) -> bool:
        """Removed, redacted and rewrote nothing: one line in the report is enough."""
        t = self.totals()
        return not (t["removed"] or t["would_remove"] or self.redacted or self.rewritten)


@dataclass
class Audit:
    run_id: str
    record: dict[str, Any]
    filters: list[FilterAudit]
    reconciliation: list[dict[str, Any]]  # per stage: in, out, rejected, bytes, reconciled
    optouts: dict[str, Any] = field(default_factory=dict)  # publish.optout_figures
    takedowns: dict[str, Any] | None = None  # publish.takedown_log.summary
    # Input files with damaged spans: per file its size, bytes skipped and the spans
    damaged_inputs: list[dict[str, Any]] = field(default_factory=list)


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


def _kept(run_dir: RunDir, stage: str) -> tuple[list[dict[str, Any]], KeptText]:
    """Kept documents (quality, url, lang and where each is), up to MAX_SIGNAL_ROWS, and a
    reader for the texts of the few that the report quotes (texts are not held in memory)."""
    out: list[dict[str, Any]] = []
    paths = run_dir.parts(stage)
    for p, path in enumerate(paths):
        cols = ["quality", "url", "lang"]
        row = 0
        for batch in pq.ParquetFile(path).iter_batches(columns=cols, batch_size=2000):
            for d in batch.to_pylist():
                d.update(quality=dict(d["quality"] or []), part=p, row=row)
                out.append(d)
                row += 1
            if len(out) >= MAX_SIGNAL_ROWS:
                return out[:MAX_SIGNAL_ROWS], KeptText(paths)
    return out, KeptText(paths)


class KeptText:
    """The text of one kept document, read from its part's row group alone."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self._files: dict[int, pq.ParquetFile] = {}

    def __call__(self, d: dict[str, Any]) -> str:
        f = self._files.get(d["part"])
        if f is None:
            f = self._files[d["part"]] = pq.ParquetFile(self.paths[d["part"]])
        row = d["row"]
        for g in range(f.metadata.num_row_groups):
            n = f.metadata.row_group(g).num_rows
            if row < n:
                return f.read_row_group(g, columns=["text"]).column(0)[row].as_py() or ""
            row -= n
        raise IndexError(f"{self.paths[d['part']]}: no row {d['row']}")


def _distributions(audit: FilterAudit, kept: list[dict], own: list[dict]) -> None:
    from leam.filters.registry import filter_class  # the audit reads filters' threshold metadata

    cls = filter_class(audit.manifest["implementation"])
    params = audit.manifest["params"]
    signals = [dict(r["signals"] or []) for r in own]
    for t in cls.thresholds:
        key = f"{audit.id}.{t.signal}"
        values = [d["quality"][key] for d in kept if key in d["quality"]]
        values += [s[t.signal] for s in signals if t.signal in s]
        audit.distributions.append(
            Distribution(t.signal, t.param, t.kind, params.get(t.param), values)
        )


def _borderline(
    audit: FilterAudit, manifest: Any, kept: list[dict], text: KeptText, n: int
) -> None:
    """The n kept documents closest to a threshold on its passing side, by relative margin,
    with each language's own threshold (a manifest can override it per language)."""
    if n <= 0:
        return
    best: list[tuple[float, int, str, float, float, str]] = []
    for t in manifest.filter.thresholds:
        key = f"{audit.id}.{t.signal}"
        for i, d in enumerate(kept):
            value = d["quality"].get(key)
            limit = getattr(manifest.params_for(d["lang"] or ""), t.param, None)
            if value is None or not isinstance(limit, int | float):
                continue
            margin = value - limit if t.kind == "min" else limit - value
            if margin < 0:
                continue  # kept for another reason (an exemption): not inside this threshold
            entry = (margin / max(abs(limit), 1e-9), i, t.signal, value, float(limit), t.kind)
            heapq.heappush(best, (-entry[0], *entry[1:]))
            if len(best) > n:
                heapq.heappop(best)
    for _, i, signal, value, limit, kind in sorted(best, key=lambda e: -e[0]):
        d = kept[i]
        snippet, _ = window(text(d), [])
        audit.borderline.append(
            Borderline(d["url"] or "", d["lang"] or "", signal, kind, value, limit, snippet)
        )


def _samples(
    audit: FilterAudit,
    manifest: Any,
    own: list[dict],
    kept: tuple[list[dict], KeptText],
    k: int,
    rng: random.Random,
) -> None:
    if audit.manifest["action"] == "redact":
        # Redaction removes nothing: the samples are kept documents with a redacted span.
        cats = [f"{audit.id}.{c}" for c in audit.manifest["params"].get("categories", [])]
        docs, read = kept
        hits = [d for d in docs if any(d["quality"].get(c) for c in cats)]
        hits = hits[:MAX_REDACTED_CANDIDATES]
        placeholder = audit.manifest["params"].get("placeholder", "<{category}>")
        for d in rng.sample(hits, min(k, len(hits))):
            text = read(d)
            snippet, marks = window(text, placeholders(text, placeholder))
            audit.samples.append(
                Sample(d["url"] or "", d["lang"] or "", "redacted", "", snippet, marks)
            )
        return
    for r in rng.sample(own, min(k, len(own))):
        text = r["text"] or ""
        snippet, marks = window(text, locate(manifest, r["lang"] or "", text, r["reason"]))
        audit.samples.append(
            Sample(r["url"] or "", r["lang"] or "", r["reason"], r["detail"] or "", snippet, marks)
        )


def collect(
    run_dir: RunDir, samples_per_filter: int = 5, seed: int = 0, borderline: int = 3
) -> Audit:
    from leam.filters.resolve import from_resolved

    record = runrecord.load(run_dir)
    rng = random.Random(seed)
    filters: list[FilterAudit] = []
    for stage, params in _filter_stages(record):
        counters = record["stages"].get(stage, {}).get("counters", {})
        ledger = _ledger(run_dir, stage)
        kept, text = _kept(run_dir, stage)
        manifests = from_resolved(params["resolved"])
        for resolved, manifest in zip(params["resolved"], manifests, strict=True):
            audit = FilterAudit(resolved, stage)
            _counters(audit, counters)
            own = [r for r in ledger if r["filter_id"] == audit.id]
            for r in own:
                audit.reasons[r["reason"]] = audit.reasons.get(r["reason"], 0) + 1
                per = audit.reasons_by_lang.setdefault(r["lang"] or "", {})
                per[r["reason"]] = per.get(r["reason"], 0) + 1
            _samples(audit, manifest, own, (kept, text), samples_per_filter, rng)
            _borderline(audit, manifest, kept, text, borderline)
            _distributions(audit, kept, own)
            filters.append(audit)
    reconciliation = [
        {
            "stage": name,
            "in": s["docs_in"],
            "out": s["docs_out"],
            "rejected": s["docs_rejected"],
            "input_bytes": s.get("input_bytes", 0),
            "bytes_read": s.get("bytes_read", 0),
            "bytes_skipped": s.get("bytes_skipped", 0),
            "reconciled": s["reconciled"],
        }
        for name, s in record["stages"].items()
    ]
    optouts = optout_figures(run_dir, record)
    takedowns = takedown_log.summary(takedown_log.read(run_dir))
    damaged = damaged_report(run_dir, record)
    return Audit(record["run_id"], record, filters, reconciliation, optouts, takedowns, damaged)


def damaged_report(run_dir: RunDir, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit's `damaged_inputs` section: each damaged input file with its spans."""
    spans = damaged_spans(run_dir)
    report = []
    for d in damaged_inputs(record):
        name = PurePosixPath(d["input"]).name
        own = [s for s in spans if s["stage"] == d["stage"] and s["file"] == name]
        report.append({**d, "spans": own})
    return report


FILTER_HEADER = ["filter", "version", "category", "action", "in", "removed", "would remove"]
DAMAGED_HEADER = ["stage", "file", "offset", "bytes", "reason", "detail"]


def filter_rows(audit: Audit) -> list[list[str]]:
    """The filters table of both reports (FILTER_HEADER): one row per filter."""
    rows = []
    for f in audit.filters:
        m, t = f.manifest, f.totals()
        rows.append([f.id, str(m["version"]), m["category"], m["action"], str(t["in"]),
                     str(t["removed"]), str(t["would_remove"])])  # fmt: skip
    return rows


def damaged_rows(audit: Audit) -> list[list[str]]:
    """The damaged spans table of both reports (DAMAGED_HEADER): one row per span."""
    return [
        [d["stage"], d["input"], f"{s['offset']:,}", f"{s['bytes']:,}", s["reason"], s["detail"]]
        for d in audit.damaged_inputs
        for s in d["spans"]
    ]


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
        rates.append((lang, 100.0 * audit.removed(lang) / n if n else 0.0))
    return rates


def optout_rows(audit: Audit) -> list[list[str]]:
    """Opt-outs per signal and where it was seen (crawl, archived, live, snapshot)."""
    return [[r["signal"], r["where"], str(r["documents"])]
            for r in audit.optouts.get("by_signal", [])]  # fmt: skip


def takedown_rows(audit: Audit) -> list[list[str]]:
    t = audit.takedowns or {}
    return [[reason, str(r["requests"]), str(r["documents"])]
            for reason, r in t.get("by_reason", {}).items()]  # fmt: skip
