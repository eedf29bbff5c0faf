"""A grouped bar chart as a standalone SVG: one group per language, one bar per tokenizer.

No plotting library: the file opens in any browser and diffs as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

COLOURS = ("#4a78b5", "#e08a2c", "#4f9a58", "#b5484a", "#7d62a8", "#8c6d3f", "#c76bae")


def grouped_bars(
    values: Mapping[str, Mapping[str, float]],
    title: str,
    reference_line: float | None = None,
) -> str:
    """values: series name → category → value; categories sorted by name."""
    series = list(values)
    cats = sorted({c for s in values.values() for c in s})
    if not series or not cats:
        return ""
    bar_w, gap, left, top, plot_h = 9, 8, 44, 40, 220
    group_w = bar_w * len(series) + gap
    width = left + group_w * len(cats) + 20
    height = top + plot_h + 40
    vmax = max([v for s in values.values() for v in s.values()] + [reference_line or 0.0])
    vmax = vmax * 1.08 or 1.0

    def y(v: float) -> float:
        return top + plot_h - v / vmax * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" role="img" aria-label="{escape(title)}">',
        f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#444"/>',
    ]
    for k in range(5):  # y-axis ticks
        v = vmax * k / 4
        parts.append(
            f'<text x="{left - 4}" y="{y(v) + 3:.1f}" font-size="9" text-anchor="end">'
            f"{v:.2f}</text>"
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - 10}" y2="{y(v):.1f}" '
            'stroke="#ddd"/>'
        )
    for j, cat in enumerate(cats):
        x0 = left + gap / 2 + j * group_w
        for i, name in enumerate(series):
            v = values[name].get(cat)
            if v is None:
                continue
            parts.append(
                f'<rect x="{x0 + i * bar_w:.1f}" y="{y(v):.1f}" width="{bar_w - 1}" '
                f'height="{top + plot_h - y(v):.1f}" fill="{COLOURS[i % len(COLOURS)]}">'
                f"<title>{escape(name)} {escape(cat)}: {v:.3f}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w / 2 - gap / 2:.1f}" y="{top + plot_h + 12}" font-size="10" '
            f'text-anchor="middle">{escape(cat)}</text>'
        )
    if reference_line is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(reference_line):.1f}" x2="{width - 10}" '
            f'y2="{y(reference_line):.1f}" stroke="#c0392b" stroke-dasharray="4 3"/>'
        )
    for i, name in enumerate(series):  # legend
        lx = left + i * 150
        parts.append(
            f'<rect x="{lx}" y="{height - 18}" width="10" height="10" '
            f'fill="{COLOURS[i % len(COLOURS)]}"/>'
            f'<text x="{lx + 14}" y="{height - 9}" font-size="10">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
