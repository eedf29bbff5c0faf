"""The audit as Markdown: the same tables as the HTML report, for diffs and code review."""

from __future__ import annotations

from leam.corpus.audit.collect import Audit, FilterAudit, language_rows
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


def _damaged(audit: Audit) -> list[str]:
    """The damaged input files and their spans: what could not be read, and where."""
    out = ["## Damaged inputs", ""]
    if not audit.damaged_inputs:
        return [*out, "None: every input byte was read in a record.", ""]
    rows = [
        [d["stage"], d["input"], f"{s['offset']:,}", f"{s['bytes']:,}", s["reason"], s["detail"]]
        for d in audit.damaged_inputs
        for s in d["spans"]
    ]
    for d in audit.damaged_inputs:
        out.append(f"- {d['input']}: {d['bytes_skipped']:,} of {d['input_bytes']:,} bytes "
                   f"skipped in {d['ranges']} span(s)")  # fmt: skip
    out.append("")
    return out + _table(["stage", "file", "offset", "bytes", "reason", "detail"], rows)


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
        if r["input_bytes"]:
            lines.append(f"  - bytes: read {r['bytes_read']:,} + skipped {r['bytes_skipped']:,}"
                         f" of input {r['input_bytes']:,}")  # fmt: skip
    lines.append("")
    lines += _damaged(audit)
    for f in audit.filters:
        lines += _filter(f)
    lines += ["## Manifests in force", ""]
    for f in audit.filters:
        lines += [f"### {f.id} v{f.manifest['version']}", "", f"sha256 `{f.manifest['sha256']}`",
                  "", "```yaml", f.manifest["text"].rstrip(), "```", ""]  # fmt: skip
    return "\n".join(lines) + "\n"
