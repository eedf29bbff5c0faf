"""The audit as one self-contained HTML file: a reviewer's dashboard, no scripts, no network.

The overview comes first (headline figures, the language that lost most and where, flags,
the per-language funnel and the heat map); then the comparison with another run if asked,
the reconciliation, one collapsed section per filter (one line for a filter that did
nothing) and the manifests. RENDERERS follows collect.SECTIONS, as the Markdown twin does.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

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
from leam.corpus.audit.svg import KEPT, colour, funnel, heat, histogram, swatch
from leam.corpus.audit.triggers import Mark
from leam.corpus.languages import language_name

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;max-width:1240px;margin:0 auto;padding:.5em 1em;
color:#222;overflow-wrap:anywhere}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.25em;margin:1.2em 0 .4em;
border-bottom:1px solid #ccc}h3{font-size:1.05em;margin:.8em 0 .3em}
.meta{color:#555;font-size:12px;margin:0}
nav#toc ol{display:flex;flex-wrap:wrap;gap:.2em 1.2em;list-style:none;padding:0;margin:.3em 0}
table{border-collapse:collapse;margin:.4em 0 .8em}td,th{border:1px solid #ccc;padding:2px 7px}
th{background:#f3f3f3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1e6b34}.bad{color:#b00020}
code,pre{background:#f6f6f6}pre{padding:.5em;overflow-x:auto;white-space:pre-wrap}
ul.headline{display:flex;flex-wrap:wrap;gap:.3em 1.6em;list-style:none;padding:0;margin:.4em 0;
font-size:15px}ul.headline b{font-size:1.15em}
p.lost-most{font-size:15px;margin:.4em 0;padding:.4em .6em;background:#fff7e0;
border-left:4px solid #DDCC77}
div.flags ul{margin:.2em 0;padding-left:1.4em}div.flags li{margin:.1em 0}
.grid{display:flex;flex-wrap:wrap;gap:1em 2em;align-items:flex-start}
figure{margin:0}figcaption{font-weight:600;margin:.2em 0}
figure#funnel{max-width:560px}figure#heatmap{max-width:600px}
ul.legend{list-style:none;padding:0;margin:.2em 0;display:flex;flex-wrap:wrap;gap:.1em 1em;
font-size:12px}ul.legend svg{vertical-align:-1px;margin-right:3px}
.scroll{max-width:100%;overflow-x:auto}
table.heatmap td{text-align:right;white-space:nowrap;font-size:12px;padding:2px 5px}
table.heatmap th{font-size:12px;font-weight:600;max-width:7em}
table.heatmap td.flag{outline:3px solid #CC3311;outline-offset:-3px;font-weight:700}
table.heatmap small{font-size:11px}
details.filter{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:0 .6em}
details.filter>summary{cursor:pointer;padding:.3em 0}
[id$='-open']{scroll-margin-top:4rem}
details.filter>summary h3{display:inline;font-size:1.05em;margin:0}
p.filter.quiet{margin:.2em 0;padding:.2em .6em;color:#444}
.charts{display:flex;flex-wrap:wrap;gap:.6em 1.5em}
ul.samples li{margin:.4em 0}q.snippet{display:block;font-size:13px;color:#333;
white-space:pre-wrap;background:#fafafa;padding:.2em .4em;quotes:none}
mark{background:#DDCC77;color:#000;padding:0 1px}
.why{font-size:11px;color:#555}
"""


def _table(header: list[str], rows: list[list[str]], cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{escape(c)}</td>' if c[:1].isdigit() else f"<td>{escape(c)}</td>"
            for c in row
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _wrap(name: str) -> str:
    """A long id that may break after its underscores (table headers)."""
    return escape(name).replace("_", "_<wbr>")


def marked(text: str, marks: list[Mark]) -> str:
    """The text, escaped, with each mark in <mark title=label>; overlapping marks merge into
    the first."""
    out, pos = [], 0
    for m in sorted(marks, key=lambda m: (m.start, -m.end)):
        if m.start < pos:
            continue
        out.append(escape(text[pos : m.start]))
        out.append(f'<mark title="{escape(m.label)}">{escape(text[m.start : m.end])}</mark>')
        pos = m.end
    out.append(escape(text[pos:]))
    return "".join(out)


def _why(marks: list[Mark]) -> str:
    labels: dict[str, int] = {}
    for m in marks:
        labels[m.label] = labels.get(m.label, 0) + 1
    text = ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in labels.items())
    return f' <span class="why">marked: {escape(text)}</span>' if text else ""


def _sample(s: Sample) -> str:
    return (
        f"<li><a href='{escape(s.url)}'>{escape(s.url)}</a> [{escape(s.lang)}] "
        f"<b>{escape(s.reason)}</b> <small>{escape(s.detail)}</small>{_why(s.marks)}"
        f"<q class='snippet'>{marked(s.snippet, s.marks)}</q></li>"
    )


def _href(audit: Audit, anchor: str) -> str:
    """A link to a step's explanation. A filter's section is a closed <details>: the link
    goes to the first element inside it, which browsers open the section to show."""
    if any(f"filter-{f.id}" == anchor and not f.quiet() for f in audit.filters):
        return f"#{escape(anchor)}-open"
    return f"#{escape(anchor)}"


# ---- sections -------------------------------------------------------------------------


def _overview(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    head = "".join(f"<li>{escape(k)} <b>{escape(v)}</b></li>" for k, v in view.headline)
    parts = [f"<ul class='headline'>{head}</ul>"]
    lang, step = view.lost_most()
    if lang:
        where = (
            f"; the largest step: <a href='{_href(audit, step.anchor)}'>{escape(step.name)}</a> "
            f"removed {step.removed[lang]} ({step.rate(lang):.1f} % of what reached it"
            + (
                f", mostly <code>{escape(step.top_reason(lang))}</code>)"
                if step.top_reason(lang)
                else ")"
            )
            if step
            else ""
        )
        parts.append(
            f"<p class='lost-most'>Lost most: <b>{escape(lang)} ({escape(language_name(lang))})"
            f"</b>, kept {view.kept_pct(lang):.0f} % of its {view.start[lang]} documents{where}."
            "</p>"
        )
    parts.append(_flags(audit, view))
    parts.append("<div class='grid'>")
    parts.append(_funnel(view))
    parts.append(_heatmap(audit, view))
    parts.append("</div>")
    return "\n".join(parts)


def _flags(audit: Audit, view: Overview) -> str:
    limit = f"{view.flag_points:g}"
    if not view.flags:
        return (
            f"<div class='flags' id='flags'><p>No language's removal rate at any step "
            f"differs from the EU median by more than {limit} points.</p></div>"
        )
    items = []
    for f in view.flags:
        why = f" (mostly <code>{escape(f.reason)}</code>)" if f.reason else ""
        items.append(
            f"<li>⚑ <b>{escape(f.lang)}</b> at <a href='{_href(audit, f.anchor)}'>{escape(f.step)}"
            f"</a>: {f.rate:.1f} % removed, {f.diff:+.1f} points from the EU median "
            f"{f.median:.1f} %{why}</li>"
        )
    return (
        f"<div class='flags' id='flags'><b>{len(view.flags)} flag(s)</b>: removal rates "
        f"more than {limit} points from the EU median<ul>{''.join(items)}</ul></div>"
    )


def _lossy(view: Overview) -> list[int]:
    return [i for i, s in enumerate(view.steps) if any(s.removed.values())]


def _funnel(view: Overview) -> str:
    lossy = _lossy(view)
    names = [view.steps[i].name for i in lossy]
    rows = [
        (
            lang,
            view.start[lang],
            [view.steps[i].removed.get(lang, 0) for i in lossy],
            view.kept[lang],
        )
        for lang in view.langs
    ]
    legend = (
        "".join(f"<li>{swatch(colour(k))}{escape(n)}</li>" for k, n in enumerate(names))
        + f"<li>{swatch(KEPT)}kept</li>"
    )
    chart = funnel(rows, names, "share of each language's documents removed per step")
    return (
        "<figure id='funnel'><figcaption>Each language from language ID to the end: removed "
        "by step, and kept (least kept first)</figcaption>"
        f"<ul class='legend'>{legend}</ul>{chart}</figure>"
    )


def _heatmap(audit: Audit, view: Overview) -> str:
    lossy = _lossy(view)
    steps = [view.steps[i] for i in lossy]
    vmax = max((s.rate(lang) for s in steps for lang in view.langs), default=0.0)
    head = "".join(
        f"<th><a href='{_href(audit, s.anchor)}'>{_wrap(s.name)}</a></th>" for s in steps
    )
    flagged = {(f.lang, f.step) for f in view.flags}
    rows = []
    for lang in sorted(view.langs):
        cells = []
        for s in steps:
            rate, diff = s.rate(lang), s.rate(lang) - view.medians[s.name]
            bg, fg = heat(rate, vmax)
            cls = " class='flag'" if (lang, s.name) in flagged else ""
            mark = "⚑ " if cls else ""
            cells.append(
                f"<td{cls} style='background:{bg};color:{fg}' title='{escape(lang)} · "
                f"{escape(s.name)}: {rate:.1f} % removed, {diff:+.1f} points from the median'>"
                f"{mark}{rate:.1f} <small>({diff:+.1f})</small></td>"
            )
        rows.append(f"<tr><th>{escape(lang)}</th>{''.join(cells)}</tr>")
    medians = "".join(f"<td>{view.medians[s.name]:.1f}</td>" for s in steps)
    quiet = [s.name for i, s in enumerate(view.steps) if i not in lossy]
    note = f"<p class='why'>Removed nothing: {escape(', '.join(quiet))}.</p>" if quiet else ""
    return (
        "<figure id='heatmap'><figcaption>% removed by step and language (difference from the "
        "EU median, in points)</figcaption><div class='scroll'><table class='heatmap'>"
        f"<thead><tr><th>lang</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f"<tfoot><tr><th>median</th>{medians}</tr></tfoot></table></div>{note}</figure>"
    )


def _comparison(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    assert cmp is not None

    def pct(v: float | None) -> str:
        return "absent" if v is None else f"{v:.1f}"

    rows = [
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
    ]
    parts = [
        f"<p>This run against <b>{escape(cmp.other)}</b>: {len(cmp.changes)} step × "
        "language cell(s) changed.</p>"
    ]
    if rows:
        header = [
            "step",
            "lang",
            f"% {cmp.other}",
            f"% {audit.run_id}",
            "points",
            f"removed {cmp.other}",
            f"removed {audit.run_id}",
        ]
        parts.append("<div class='scroll'>" + _table(header, rows, "changes") + "</div>")
    for label, ids in (("only in this run", cmp.only_here), ("only in the other", cmp.only_there)):
        if ids:
            parts.append(f"<p>Filters {label}: {escape(', '.join(ids))}</p>")
    if cmp.manifest_diffs:
        links = ", ".join(
            f"<a href='#diff-{escape(f)}'>{escape(f)}</a>" for f in cmp.manifest_diffs
        )
        parts.append(f"<p>Manifests changed: {links}</p>")
        for fid, diff in cmp.manifest_diffs.items():
            parts.append(
                f"<h3 id='diff-{escape(fid)}'>Manifest diff: {escape(fid)}</h3>"
                f"<pre class='diff'>{escape(diff)}</pre>"
            )
    else:
        parts.append("<p>No manifest changed.</p>")
    return "\n".join(parts)


def _bytes(r: dict) -> str:
    """A stage that reads input files also accounts for their bytes, read or skipped."""
    if not r.get("input_bytes"):
        return ""
    return (
        f"; bytes: read {r['bytes_read']:,} + skipped {r['bytes_skipped']:,} "
        f"of input {r['input_bytes']:,}"
    )


def _reconciliation(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    items = []
    for r in audit.reconciliation:
        ok = "ok" if r["reconciled"] else "bad"
        verdict = "=" if r["reconciled"] else "≠"
        items.append(
            f'<li class="{ok}" id="stage-{escape(r["stage"])}">{escape(r["stage"])}: kept '
            f"{r['out']} + removed {r['rejected']} {verdict} input {r['in']}{_bytes(r)}</li>"
        )
    return f"<ul class='reconciliation'>{''.join(items)}</ul>"


def _filter(f: FilterAudit) -> str:
    m, t = f.manifest, f.totals()
    verb = "would remove" if t["would_remove"] and not t["removed"] else "removed"
    gone = t["removed"] or t["would_remove"]
    tag = f"v{m['version']} · {escape(m['category'])} · {escape(m['action'])}"
    if f.quiet():
        return (
            f"<p class='filter quiet' id='filter-{escape(f.id)}'><b>{escape(f.id)}</b> "
            f"<small>{tag}</small>: removed nothing of {t['in']} documents.</p>"
        )
    pct = 100 * gone / t["in"] if t["in"] else 0.0
    redacted = sum(n for c in f.redacted.values() for n in c.values())
    summary = f"{verb} {gone} of {t['in']} ({pct:.1f} %)" + (
        f", redacted {redacted} span(s)" if redacted else ""
    )
    rows = [r for r in language_rows(f) if r[0] == "all" or r[3] != "0"]
    hidden = len(f.by_lang) - (len(rows) - 1)
    parts = [
        f"<details class='filter' id='filter-{escape(f.id)}'>"
        f"<summary><h3>{escape(f.id)}</h3> <small>{tag}</small> — {summary}</summary>",
        f"<p class='why' id='filter-{escape(f.id)}-open'>sha256 <code>{m['sha256']}</code> · "
        f"<a href='#manifest-{escape(f.id)}'>manifest</a></p>",
        _table(["lang", "language", "in", verb, "%"], rows, "by-language"),
    ]
    if hidden:
        parts.append(f"<p class='why'>{hidden} other language(s): none {verb}.</p>")
    if f.reasons:
        reasons = [[r, str(n)] for r, n in sorted(f.reasons.items(), key=lambda x: -x[1])]
        parts.append(_table(["reason", "documents"], reasons, "reasons"))
    for name, table in (("redacted", f.redacted), ("rewritten", f.rewritten)):
        if table:
            langs = sorted({lang for c in table.values() for lang in c})
            body = [[cat] + [str(c.get(lang, 0)) for lang in langs] for cat, c in table.items()]
            parts.append(
                f"<p>{name}, per category and language:</p><div class='scroll'>"
                + _table([name, *langs], body, name)
                + "</div>"
            )
    if cross := cross_border_rows(f):
        parts.append("<p>Found on pages in another language than their country's:</p>")
        header = ["category", "country", "lang", "language", "redacted"]
        parts.append(_table(header, cross, "cross-border"))
    charts = []
    for d in f.distributions:
        svg = histogram(d.values, f"{d.signal}: {d.kind} {d.param}", d.threshold)
        if svg:
            charts.append(
                f"<figure><figcaption>{escape(d.signal)} <small>({d.kind} {escape(d.param)} = "
                f"{d.threshold}; n = {len(d.values)})</small></figcaption>{svg}</figure>"
            )
    if charts:
        parts.append("<div class='charts'>" + "".join(charts) + "</div>")
    if f.samples:
        what = "redacted" if m["action"] == "redact" else "removed"
        parts.append(f"<h4>Random sample of {what} documents</h4><ul class='samples'>")
        parts.extend(_sample(s) for s in f.samples)
        parts.append("</ul>")
    if f.borderline:
        parts.append("<h4>Borderline: kept, just inside a threshold</h4><ul class='borderline'>")
        for b in f.borderline:
            side = "≥" if b.kind == "min" else "≤"
            parts.append(
                f"<li><a href='{escape(b.url)}'>{escape(b.url)}</a> [{escape(b.lang)}] "
                f"<b>{escape(b.signal)} = {b.value:.4g}</b> {side} {b.threshold:g}"
                f"<q class='snippet'>{escape(b.snippet)}</q></li>"
            )
        parts.append("</ul>")
    parts.append("</details>")
    return "\n".join(parts)


def _governance(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    """Opt-outs (ingested data included) and takedowns; the section is there only when the
    run has any."""
    out = []
    if rows := optout_rows(audit):
        out += ["<h3>Opt-outs</h3>",
                "<p>Documents reserved by their publisher, by signal and where it was seen "
                "(crawl, archived response, live or snapshot policy files).</p>",
                _table(["signal", "where", "documents"], rows, "optouts")]
        if by_input := audit.optouts.get("by_input"):
            out.append(_table(["input", "documents"],
                              [[r["input"], str(r["documents"])] for r in by_input], "optouts"))
    if rows := takedown_rows(audit):
        out += ["<h3>Takedowns</h3>",
                _table(["reason", "requests", "documents"], rows, "takedowns")]
    return "\n".join(out)  # fmt: skip


def _damaged(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    """The damaged input files and their spans: what could not be read, and where."""
    if not audit.damaged_inputs:
        return "<p class='ok'>None: every input byte was read in a record.</p>"
    parts = []
    for d in audit.damaged_inputs:
        lost = f"{d['bytes_skipped']:,} of {d['input_bytes']:,} bytes skipped"
        parts.append(f"<p class='bad'>{escape(d['input'])}: {lost} in {d['ranges']} span(s)</p>")
    parts.append(_table(DAMAGED_HEADER, damaged_rows(audit), "damaged"))
    return "\n".join(parts)


def _filters(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    table = _table(FILTER_HEADER, filter_rows(audit), "filters")
    return "\n".join([table, *(_filter(f) for f in audit.filters)])


def _manifests(audit: Audit, view: Overview, cmp: Comparison | None) -> str:
    return (
        "<div class='manifests'>"
        + "".join(
            f"<details id='manifest-{escape(f.id)}'><summary>{escape(f.id)} "
            f"v{f.manifest['version']} — sha256 <code>{f.manifest['sha256']}</code></summary>"
            f"<pre>{escape(f.manifest['text'])}</pre></details>"
            for f in audit.filters
        )
        + "</div>"
    )


Renderer = Callable[[Audit, Overview, "Comparison | None"], str]
RENDERERS: dict[str, Renderer] = {
    "overview": _overview,
    "comparison": _comparison,
    "reconciliation": _reconciliation,
    "damaged": _damaged,
    "governance": _governance,
    "filters": _filters,
    "manifests": _manifests,
}


def render_html(audit: Audit, view: Overview, cmp: Comparison | None = None) -> str:
    rec = audit.record
    shown = sections(audit, cmp is not None)
    toc = "".join(f"<li><a href='#{a}'>{escape(t)}</a></li>" for a, t in shown)
    body = [
        f"<header><h1>Audit of run {escape(audit.run_id)}</h1>",
        f"<p class='meta'>created {escape(str(rec.get('created')))} · leam "
        f"{escape(str(rec['code_version'].get('leam')))} · commit "
        f"<code>{escape(str(rec['code_version'].get('git_commit')))}</code> · pipeline sha256 "
        f"<code>{escape(rec['pipeline_sha256'][:16])}…</code></p>",
        f"<nav id='toc' aria-label='contents'><ol>{toc}</ol></nav></header>",
    ]
    for anchor, title in shown:
        body.append(f"<section id='{anchor}'><h2>{escape(title)}</h2>")
        body.append(RENDERERS[anchor](audit, view, cmp))
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Audit {escape(audit.run_id)}</title><style>{CSS}</style></head>"
        f"<body>\n{chr(10).join(body)}\n</body></html>\n"
    )
