"""The audit as Markdown: the same tables as the HTML report, for diffs and code review."""

from __future__ import annotations

from leam.corpus.audit.collect import (
    Audit,
    FilterAudit,
    language_rows,
    optout_rows,
    takedown_rows,
)
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
    if f.samples:
        out.append("Random sample of removed documents:")
        out.append("")
        for s in f.samples:
            out.append(f"- <{s.url}> [{s.lang}] **{s.reason}** {s.detail}: “{s.snippet}”")
        out.append("")
    return out


def _governance(audit: Audit) -> list[str]:
    """Opt-outs (ingested data included) and takedowns, when the run has any."""
    out = []
    if rows := optout_rows(audit):
        out += ["## Opt-outs", "", "Documents reserved by their publisher, by signal and where "
                "it was seen (crawl, archived response, live or snapshot policy files):", ""]
        out += _table(["signal", "where", "documents"], rows)
        if by_input := audit.optouts.get("by_input"):
            out += _table(["input", "documents"],
                          [[r["input"], str(r["documents"])] for r in by_input])
    if rows := takedown_rows(audit):
        t = audit.takedowns or {}
        out += ["## Takedowns", "", f"{t['requests']} request(s), {t['documents']} documents "
                "removed (takedowns.jsonl):", ""]
        out += _table(["reason", "requests", "documents"], rows)
    return out  # fmt: skip


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
    lines += _governance(audit)
    for f in audit.filters:
        lines += _filter(f)
    lines += ["## Manifests in force", ""]
    for f in audit.filters:
        lines += [f"### {f.id} v{f.manifest['version']}", "", f"sha256 `{f.manifest['sha256']}`",
                  "", "```yaml", f.manifest["text"].rstrip(), "```", ""]  # fmt: skip
    return "\n".join(lines) + "\n"
