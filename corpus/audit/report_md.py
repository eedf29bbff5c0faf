"""The audit as Markdown: the same tables as the HTML report, for diffs and code review."""

from __future__ import annotations

from leam.corpus.audit.collect import Audit, FilterAudit, cross_border_rows, language_rows
from leam.corpus.publish.markdown import table


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [table(header, rows), ""]


def _filter(f: FilterAudit) -> list[str]:
    m = f.manifest
    out = [f"## {f.id} v{m['version']} ({m['category']}, {m['action']})", "",
           f"sha256 `{m['sha256']}`", ""]  # fmt: skip
    out += _table(["lang", "language", "in", "removed", "%"], language_rows(f))
    if f.reasons:
        out += _table(["reason", "documents"], [[r, str(n)] for r, n in sorted(f.reasons.items())])
    for name, counts in (("redacted", f.redacted), ("rewritten", f.rewritten)):
        if counts:
            langs = sorted({lang for c in counts.values() for lang in c})
            body = [[cat] + [str(c.get(lang, 0)) for lang in langs] for cat, c in counts.items()]
            out += _table([name, *langs], body)
    if cross := cross_border_rows(f):
        out += ["Found on pages in another language than their country's:", ""]
        out += _table(["category", "country", "lang", "language", "redacted"], cross)
    if f.samples:
        out.append("Random sample of removed documents:")
        out.append("")
        for s in f.samples:
            out.append(f"- <{s.url}> [{s.lang}] **{s.reason}** {s.detail}: “{s.snippet}”")
        out.append("")
    return out


def render_markdown(audit: Audit) -> str:
    rec = audit.record
    lines = [f"# Audit of run {audit.run_id}", "",
             f"created {rec.get('created')}, leam {rec['code_version'].get('leam')}, "
             f"commit `{rec['code_version'].get('git_commit')}`, pipeline sha256 "
             f"`{rec['pipeline_sha256']}`", "", "## Reconciliation", ""]  # fmt: skip
    for r in audit.reconciliation:
        verdict = "=" if r["reconciled"] else "≠ (does not reconcile)"
        lines.append(
            f"- {r['stage']}: kept {r['out']} + removed {r['rejected']} {verdict} input {r['in']}"
        )
    lines.append("")
    for f in audit.filters:
        lines += _filter(f)
    lines += ["## Manifests in force", ""]
    for f in audit.filters:
        lines += [f"### {f.id} v{f.manifest['version']}", "", f"sha256 `{f.manifest['sha256']}`",
                  "", "```yaml", f.manifest["text"].rstrip(), "```", ""]  # fmt: skip
    return "\n".join(lines) + "\n"
