"""The evaluation report as files: report.json (all figures), report.md (tables), and two
charts, premium.svg (token premium against English per language, parity drawn at 1.0) and
fertility.svg (tokens per word on held-out text, or on the parallel text without it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leam.corpus.languages import language_name
from leam.corpus.rundir import write_json_atomic, write_text_atomic
from leam.tokenizer.chart import grouped_bars

METRICS = (
    ("fertility", "fertility"),
    ("continued_words", "continued"),
    ("bytes_per_token", "B/tok"),
)


def _table(section: dict[str, dict[str, dict[str, Any]]], with_premium: bool) -> list[str]:
    names = list(section)
    langs = sorted({lang for rows in section.values() for lang in rows})
    cols = [label for _, label in METRICS] + (["premium"] if with_premium else [])
    head = ["language"] + [f"{c} · {n}" if len(names) > 1 else c for n in names for c in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for lang in langs:
        cells = [f"{lang} {language_name(lang)}"]
        for name in names:
            row = section[name].get(lang)
            keys = [k for k, _ in METRICS] + (["premium"] if with_premium else [])
            cells += ["-" if row is None or row.get(k) is None else f"{row[k]:.3f}" for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    lines = ["# Tokenizer evaluation", ""]
    lines += ["| tokenizer | vocabulary | worst premium | spread | mean premium | "
              f"{report['reference']} fertility (parallel) | mean fertility (held-out) |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, t in report["tokenizers"].items():
        worst = (
            f"{t['worst_premium']:.3f} ({t['worst_premium_lang']})" if "worst_premium" in t else "-"
        )
        cells = [
            name,
            str(t["vocab_size"]),
            worst,
            *(
                f"{t[k]:.3f}" if k in t else "-"
                for k in (
                    "premium_spread",
                    "mean_premium",
                    "reference_fertility_parallel",
                    "mean_fertility_heldout",
                )
            ),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if report["parallel"]:
        lines += ["", f"## Parallel text (premium against {report['reference']})", ""]
        lines += _table(report["parallel"], with_premium=True)
    if report["heldout"]:
        lines += ["", "## Held-out text from the shards", ""]
        lines += _table(report["heldout"], with_premium=False)
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """report.json, report.md, premium.svg, fertility.svg in out_dir; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "report.json", out_dir / "report.md"]
    write_json_atomic(report, written[0])
    write_text_atomic(render_markdown(report), written[1])
    if report["parallel"]:
        premium = {
            name: {lang: r["premium"] for lang, r in rows.items() if r["premium"] is not None}
            for name, rows in report["parallel"].items()
        }
        title = f"Token premium against {report['reference']} (parallel text; 1.0 = parity)"
        write_text_atomic(grouped_bars(premium, title, reference_line=1.0), out_dir / "premium.svg")
        written.append(out_dir / "premium.svg")
    section, where = (
        (report["heldout"], "held-out text")
        if report["heldout"]
        else (report["parallel"], "parallel text")
    )
    fertility = {
        name: {lang: r["fertility"] for lang, r in rows.items()} for name, rows in section.items()
    }
    write_text_atomic(
        grouped_bars(fertility, f"Fertility: tokens per word ({where})"), out_dir / "fertility.svg"
    )
    written.append(out_dir / "fertility.svg")
    return written
