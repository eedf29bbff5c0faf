"""The audit as one self-contained HTML file: tables, inline SVG charts, no scripts."""

from __future__ import annotations

from html import escape

from leam.corpus.audit.collect import (
    Audit,
    FilterAudit,
    cross_border_rows,
    language_rows,
    removal_rates,
)
from leam.corpus.audit.svg import bar_chart, histogram

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:2px 8px}
th{background:#f3f3f3}td.num{text-align:right}.ok{color:#1e7b34}.bad{color:#b00020}
code,pre{background:#f6f6f6}pre{padding:.5em;overflow-x:auto}section.filter{margin-top:2em}
.charts{display:flex;flex-wrap:wrap;gap:1em}
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


def _filter_section(f: FilterAudit) -> str:
    m = f.manifest
    t = f.totals()
    head = "would remove" if t["would_remove"] and not t["removed"] else "removed"
    parts = [
        f'<section class="filter" id="filter-{escape(f.id)}">',
        f"<h2>{escape(f.id)} <small>v{m['version']} · {escape(m['category'])} · "
        f"{escape(m['action'])}</small></h2>",
        f"<p>sha256 <code>{m['sha256']}</code></p>",
        _table(["lang", "language", "in", head, "%"], language_rows(f), "by-language"),
    ]
    if f.reasons:
        reasons = [[r, str(n)] for r, n in sorted(f.reasons.items(), key=lambda x: -x[1])]
        parts.append(_table(["reason", "documents"], reasons, "reasons"))
    for name, table in (("redacted", f.redacted), ("rewritten", f.rewritten)):
        if table:
            langs = sorted({lang for c in table.values() for lang in c})
            body = [[cat] + [str(c.get(lang, 0)) for lang in langs] for cat, c in table.items()]
            parts.append(f"<h3>{name} (count per category and language)</h3>")
            parts.append(_table([name, *langs], body, name))
    if cross := cross_border_rows(f):
        parts.append("<h3>Found on pages in another language than their country's</h3>")
        header = ["category", "country", "lang", "language", "redacted"]
        parts.append(_table(header, cross, "cross-border"))
    charts = [bar_chart(removal_rates(f), f"{f.id}: % {head} by language")]
    for d in f.distributions:
        title = f"{f.id}.{d.signal} ({d.kind} {d.param} = {d.threshold})"
        charts.append(histogram(d.values, title, d.threshold))
    parts.append('<div class="charts">' + "".join(c for c in charts if c) + "</div>")
    if f.samples:
        parts.append("<h3>Random sample of removed documents</h3><ul class='samples'>")
        for s in f.samples:
            parts.append(
                f"<li><a href='{escape(s.url)}'>{escape(s.url)}</a> [{escape(s.lang)}] "
                f"<b>{escape(s.reason)}</b> <small>{escape(s.detail)}</small>"
                f"<br><q>{escape(s.snippet)}</q></li>"
            )
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def render_html(audit: Audit) -> str:
    rec = audit.record
    recon = []
    for r in audit.reconciliation:
        ok = "ok" if r["reconciled"] else "bad"
        verdict = "=" if r["reconciled"] else "≠"
        recon.append(
            f'<li class="{ok}">{escape(r["stage"])}: kept {r["out"]} + removed {r["rejected"]} '
            f"{verdict} input {r['in']}</li>"
        )
    manifests = "".join(
        f"<details><summary>{escape(f.id)} v{f.manifest['version']} — sha256 "
        f"<code>{f.manifest['sha256']}</code></summary><pre>{escape(f.manifest['text'])}</pre>"
        f"</details>"
        for f in audit.filters
    )
    overview = [
        [f.id, str(f.manifest["version"]), f.manifest["category"], f.manifest["action"],
         str(f.totals()["in"]), str(f.totals()["removed"]), str(f.totals()["would_remove"])]
        for f in audit.filters
    ]  # fmt: skip
    body = [
        f"<h1>Audit of run {escape(audit.run_id)}</h1>",
        f"<p>created {escape(str(rec.get('created')))} · leam "
        f"{escape(str(rec['code_version'].get('leam')))} · commit "
        f"<code>{escape(str(rec['code_version'].get('git_commit')))}</code> · pipeline sha256 "
        f"<code>{escape(rec['pipeline_sha256'])}</code></p>",
        "<h2>Reconciliation</h2>",
        f"<ul class='reconciliation'>{''.join(recon)}</ul>",
        "<h2>Filters</h2>",
        _table(
            ["filter", "version", "category", "action", "in", "removed", "would remove"],
            overview,
            "filters",
        ),
        *(_filter_section(f) for f in audit.filters),
        "<h2>Manifests in force</h2>",
        f"<div class='manifests'>{manifests}</div>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Audit {escape(audit.run_id)}</title><style>{CSS}</style></head>"
        f"<body>\n{chr(10).join(body)}\n</body></html>\n"
    )
