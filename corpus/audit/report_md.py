"""The audit as Markdown: the HTML report's content in the same order, for diffs and review.

RENDERERS follows collect.SECTIONS, as the HTML report does; charts become the tables they
draw (the funnel as documents per step, the heat map as rates with their difference from
the median), and a sample's marks become **«bold»** text followed by what they mark.
"""

from __future__ import annotations

from collections.abc import Callable

from leam.corpus.audit.collect import (
    DAMAGED_HEADER,
    FILTER_HEADER,
    Audit,
    FilterAudit,
    Sample,
    cross_border_rows,
    damaged_rows,
    filter_rows,
    language_rows,
    optout_rows,
    sections,
    takedown_rows,
)
from leam.corpus.audit.compare import Comparison
from leam.corpus.audit.overview import Overview
from leam.corpus.audit.triggers import Mark
from leam.corpus.languages import language_name
from leam.corpus.markdown import table


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [table(header, rows), ""]


def _inline(text: str) -> str:
    return " ".join(text.split())


def marked(text: str, marks: list[Mark]) -> str:
    out, pos = [], 0
    for m in sorted(marks, key=lambda m: (m.start, -m.end)):
        if m.start < pos:
            continue
        out.append(_inline(text[pos : m.start]))
        out.append(f" **«{_inline(text[m.start : m.end])}»** ")
        pos = m.end
    out.append(_inline(text[pos:]))
    return " ".join("".join(out).split())


def _sample(s: Sample) -> str:
    labels = sorted({m.label for m in s.marks})
    why = f" (marked: {', '.join(labels)})" if labels else ""
    return f"- <{s.url}> [{s.lang}] **{s.reason}** {s.detail}{why}: “{marked(s.snippet, s.marks)}”"


def _overview(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    out = [" · ".join(f"{k} **{v}**" for k, v in view.headline), ""]
    lang, step = view.lost_most()
    if lang:
        where = ""
        if step:
            why = f", mostly `{step.top_reason(lang)}`" if step.top_reason(lang) else ""
            where = (
                f"; the largest step: {step.name} removed {step.removed[lang]} "
                f"({step.rate(lang):.1f} % of what reached it{why})"
            )
        out += [
            f"Lost most: **{lang} ({language_name(lang)})**, kept "
            f"{view.kept_pct(lang):.0f} % of its {view.start[lang]} documents{where}.",
            "",
        ]
    limit = f"{view.flag_points:g}"
    if view.flags:
        out += [
            f"**{len(view.flags)} flag(s)**: removal rates more than {limit} points from "
            "the EU median",
            "",
        ]
        for f in view.flags:
            why = f" (mostly `{f.reason}`)" if f.reason else ""
            out.append(
                f"- ⚑ **{f.lang}** at {f.step}: {f.rate:.1f} % removed, {f.diff:+.1f} "
                f"points from the EU median {f.median:.1f} %{why}"
            )
        out.append("")
    else:
        out += [
            f"No language's removal rate at any step differs from the EU median by more "
            f"than {limit} points.",
            "",
        ]
    lossy = [s for s in view.steps if any(s.removed.values())]
    out += [
        "Each language from language ID to the end: removed by step, and kept (least kept first):",
        "",
    ]
    rows = [
        [
            lang,
            str(view.start[lang]),
            *(str(s.removed.get(lang, 0)) for s in lossy),
            str(view.kept[lang]),
            f"{view.kept_pct(lang):.0f}",
        ]
        for lang in view.langs
    ]
    out += _table(["lang", "start", *(s.name for s in lossy), "kept", "% kept"], rows)
    out += ["% removed by step and language (difference from the EU median, in points):", ""]
    flagged = {(f.lang, f.step) for f in view.flags}
    rows = [
        [
            lang,
            *(
                ("⚑ " if (lang, s.name) in flagged else "")
                + f"{s.rate(lang):.1f} ({s.rate(lang) - view.medians[s.name]:+.1f})"
                for s in lossy
            ),
        ]
        for lang in sorted(view.langs)
    ]
    rows.append(["median", *(f"{view.medians[s.name]:.1f}" for s in lossy)])
    out += _table(["lang", *(s.name for s in lossy)], rows)
    quiet = [s.name for s in view.steps if s not in lossy]
    if quiet:
        out += [f"Removed nothing: {', '.join(quiet)}.", ""]
    return out


def _comparison(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    assert cmp is not None

    def pct(v: float | None) -> str:
        return "absent" if v is None else f"{v:.1f}"

    out = [
        f"This run against **{cmp.other}**: {len(cmp.changes)} step × language cell(s) changed.",
        "",
    ]
    if cmp.changes:
        header = [
            "step",
            "lang",
            f"% {cmp.other}",
            f"% {audit.run_id}",
            "points",
            f"removed {cmp.other}",
            f"removed {audit.run_id}",
        ]
        out += _table(
            header,
            [
                [
                    c.step,
                    c.lang,
                    pct(c.before),
                    pct(c.after),
                    f"{c.delta:+.1f}",
                    str(c.removed_before),
                    str(c.removed_after),
                ]
                for c in cmp.changes
            ],
        )
    for label, ids in (("only in this run", cmp.only_here), ("only in the other", cmp.only_there)):
        if ids:
            out += [f"Filters {label}: {', '.join(ids)}", ""]
    if not cmp.manifest_diffs:
        out += ["No manifest changed.", ""]
    else:
        out += [f"Manifests changed: {', '.join(cmp.manifest_diffs)}", ""]
    for fid, diff in cmp.manifest_diffs.items():
        out += [f"### Manifest diff: {fid}", "", "```diff", diff.rstrip(), "```", ""]
    return out


def _reconciliation(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    out = []
    for r in audit.reconciliation:
        verdict = "=" if r["reconciled"] else "≠ (does not reconcile)"
        out.append(
            f"- {r['stage']}: kept {r['out']} + removed {r['rejected']} {verdict} input {r['in']}"
        )
        if r.get("input_bytes"):
            out.append(f"  - bytes: read {r['bytes_read']:,} + skipped {r['bytes_skipped']:,}"
                       f" of input {r['input_bytes']:,}")  # fmt: skip
    return [*out, ""]


def _filter(f: FilterAudit) -> list[str]:
    m, t = f.manifest, f.totals()
    verb = "would remove" if t["would_remove"] and not t["removed"] else "removed"
    tag = f"v{m['version']} ({m['category']}, {m['action']})"
    anchor = f'<a id="filter-{f.id}"></a>'
    if f.quiet():
        return [f"- {anchor}**{f.id}** {tag}: removed nothing of {t['in']} documents.", ""]
    out = [anchor, "", f"### {f.id} {tag}", "", f"sha256 `{m['sha256']}`", ""]
    rows = [r for r in language_rows(f) if r[0] == "all" or r[3] != "0"]
    out += _table(["lang", "language", "in", verb, "%"], rows)
    hidden = len(f.by_lang) - (len(rows) - 1)
    if hidden:
        out += [f"{hidden} other language(s): none {verb}.", ""]
    if f.reasons:
        reasons = sorted(f.reasons.items(), key=lambda x: -x[1])
        out += _table(["reason", "documents"], [[r, str(n)] for r, n in reasons])
    for name, counts in (("redacted", f.redacted), ("rewritten", f.rewritten)):
        if counts:
            langs = sorted({lang for c in counts.values() for lang in c})
            body = [[cat] + [str(c.get(lang, 0)) for lang in langs] for cat, c in counts.items()]
            out += [f"{name}, per category and language:", ""]
            out += _table([name, *langs], body)
    if cross := cross_border_rows(f):
        out += ["Found on pages in another language than their country's:", ""]
        out += _table(["category", "country", "lang", "language", "redacted"], cross)
    for d in f.distributions:
        if d.values:
            out.append(
                f"- {d.signal}: {d.kind} {d.param} = {d.threshold}; n = {len(d.values)}, "
                f"range {min(d.values):.3g} to {max(d.values):.3g}"
            )
    if f.distributions:
        out.append("")
    if f.samples:
        what = "redacted" if m["action"] == "redact" else "removed"
        out += [f"Random sample of {what} documents:", ""]
        out += [_sample(s) for s in f.samples]
        out.append("")
    if f.borderline:
        out += ["Borderline: kept, just inside a threshold:", ""]
        for b in f.borderline:
            side = "≥" if b.kind == "min" else "≤"
            out.append(
                f"- <{b.url}> [{b.lang}] **{b.signal} = {b.value:.4g}** {side} "
                f"{b.threshold:g}: “{_inline(b.snippet)}”"
            )
        out.append("")
    return out


def _governance(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    """Opt-outs (ingested data included) and takedowns; the section is there only when the
    run has any."""
    out = []
    if rows := optout_rows(audit):
        out += ["### Opt-outs", "", "Documents reserved by their publisher, by signal and where "
                "it was seen (crawl, archived response, live or snapshot policy files):", ""]
        out += _table(["signal", "where", "documents"], rows)
        if by_input := audit.optouts.get("by_input"):
            out += _table(["input", "documents"],
                          [[r["input"], str(r["documents"])] for r in by_input])
    if rows := takedown_rows(audit):
        t = audit.takedowns or {}
        out += ["### Takedowns", "", f"{t['requests']} request(s), {t['documents']} documents "
                "removed (takedowns.jsonl):", ""]
        out += _table(["reason", "requests", "documents"], rows)
    return out  # fmt: skip


def _damaged(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    """The damaged input files and their spans: what could not be read, and where."""
    if not audit.damaged_inputs:
        return ["None: every input byte was read in a record.", ""]
    out = [f"- {d['input']}: {d['bytes_skipped']:,} of {d['input_bytes']:,} bytes skipped in "
           f"{d['ranges']} span(s)" for d in audit.damaged_inputs]  # fmt: skip
    return [*out, "", *_table(DAMAGED_HEADER, damaged_rows(audit))]


def _filters(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    out = _table(FILTER_HEADER, filter_rows(audit))
    for f in audit.filters:
        out += _filter(f)
    return out


def _manifests(audit: Audit, view: Overview, cmp: Comparison | None) -> list[str]:
    out = []
    for f in audit.filters:
        out += [
            f"### manifest {f.id} v{f.manifest['version']}",
            "",
            f"sha256 `{f.manifest['sha256']}`",
            "",
            "```yaml",
            f.manifest["text"].rstrip(),
            "```",
            "",
        ]
    return out


Renderer = Callable[[Audit, Overview, "Comparison | None"], list[str]]
RENDERERS: dict[str, Renderer] = {
    "overview": _overview,
    "comparison": _comparison,
    "reconciliation": _reconciliation,
    "damaged": _damaged,
    "governance": _governance,
    "filters": _filters,
    "manifests": _manifests,
}


def render_markdown(audit: Audit, view: Overview, cmp: Comparison | None = None) -> str:
    rec = audit.record
    lines = [
        f"# Audit of run {audit.run_id}",
        "",
        f"created {rec.get('created')}, leam {rec['code_version'].get('leam')}, "
        f"commit `{rec['code_version'].get('git_commit')}`, pipeline sha256 "
        f"`{rec['pipeline_sha256']}`",
        "",
    ]
    shown = sections(audit, cmp is not None)
    lines += ["Contents: " + " · ".join(f"[{t}](#{a})" for a, t in shown), ""]
    for anchor, title in shown:
        lines += [f'<a id="{anchor}"></a>', "", f"## {title}", ""]
        lines += RENDERERS[anchor](audit, view, cmp)
    return "\n".join(lines) + "\n"
