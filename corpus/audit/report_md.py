"""The audit as Markdown: the same tables as the HTML report, for diffs and code review."""

from __future__ import annotations

from corpus.audit.collect import Audit, FilterAudit
from corpus.languages import language_name


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _filter(f: FilterAudit) -> list[str]:
    m = f.manifest
    out = [f"## {f.id} v{m['version']} ({m['category']}, {m['action']})", "",
           f"sha256 `{m['sha256']}`", ""]  # fmt: skip
    rows = []
    for lang, c in f.by_lang.items():
        n, gone = c.get("in", 0), c.get("removed", 0) or c.get("would_remove", 0)
        rows.append(
            [lang, language_name(lang), str(n), str(gone), f"{100 * gone / n:.1f}" if n else "0.0"]
        )
    t = f.totals()
    gone = t["removed"] or t["would_remove"]
    rows.append(
        ["all", "", str(t["in"]), str(gone), f"{100 * gone / t['in']:.1f}" if t["in"] else "0.0"]
    )
    out += _table(["lang", "language", "in", "removed", "%"], rows)
    if f.reasons:
        out += _table(["reason", "documents"], [[r, str(n)] for r, n in sorted(f.reasons.items())])
    for name, table in (("redacted", f.redacted), ("rewritten", f.rewritten)):
        if table:
            langs = sorted({lang for c in table.values() for lang in c})
            body = [[cat] + [str(c.get(lang, 0)) for lang in langs] for cat, c in table.items()]
            out += _table([name, *langs], body)
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
