"""The AI Act summary (corpus.publish.ai_act) as Markdown, in the template's order."""

from __future__ import annotations

from typing import Any

from leam.corpus.markdown import table


def render(summary: dict[str, Any]) -> str:
    to_fill = sum(f["to_fill"] for s in summary["sections"] for f in s["fields"])
    out = [
        "# Public summary of training content",
        "",
        f"Template: {summary['template']}.",
        "",
        f"Generated from run `{summary['run_id']}` on {summary['generated']} by `leam report "
        f"ai-act`. Fields marked **[TO BE FILLED IN BY THE PROVIDER: ...]** ({to_fill} of them) "
        "are not known to the data pipeline; the provider completes them before publishing. "
        "Everything else comes from the run's own records (run.json, the shard manifest, the "
        "crawl log where there is one).",
    ]
    for section in summary["sections"]:
        out += ["", f"## {section['id']} {section['title']}"]
        for field in section["fields"]:
            mark = " *(to fill in)*" if field["to_fill"] else ""
            out += ["", f"**{field['label']}**{mark}", ""]
            if field["text"]:
                out.append(field["text"])
            if field.get("table"):
                out += ["", table(field["table"]["columns"], field["table"]["rows"])]
    return "\n".join(out) + "\n"
