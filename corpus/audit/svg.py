"""Charts as inline SVG: no scripts, no external files, so the report opens anywhere."""

from __future__ import annotations

import math
from html import escape

BAR = "#4a78b5"
LIMIT = "#c0392b"


def bar_chart(rows: list[tuple[str, float]], title: str, unit: str = "%") -> str:
    """Horizontal bars, one per row (label, value); values in percent by default."""
    if not rows:
        return ""
    width, label_w, row_h = 520, 60, 16
    top = 24
    height = top + row_h * len(rows) + 8
    vmax = max(100.0 if unit == "%" else 0.0, max(v for _, v in rows)) or 1.0
    scale = (width - label_w - 60) / vmax
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = max(0.0, value * scale)
        parts.append(f'<text x="0" y="{y + 11}" font-size="11">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" fill="{BAR}">'
            f"<title>{escape(label)}: {value:.1f}{unit}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 11}" font-size="10">{value:.1f}{unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: list[float], title: str, threshold: float | None, bins: int = 30) -> str:
    """Distribution of a signal with its threshold drawn as a red line."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    lo = min(finite + ([threshold] if threshold is not None else []))
    hi = max(finite + ([threshold] if threshold is not None else []))
    if hi == lo:
        hi = lo + 1.0
    counts = [0] * bins
    for v in finite:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    width, height, pad, top = 520, 160, 30, 22
    plot_w, plot_h = width - 2 * pad, height - top - pad
    cmax = max(counts) or 1
    bw = plot_w / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart histogram" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for i, c in enumerate(counts):
        h = plot_h * c / cmax
        x = pad + i * bw
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(bw - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{c}</title></rect>'
        )
    axis_y = top + plot_h
    parts.append(
        f'<line x1="{pad}" y1="{axis_y}" x2="{pad + plot_w}" y2="{axis_y}" stroke="#333"/>'
    )
    parts.append(f'<text x="{pad}" y="{axis_y + 14}" font-size="10">{lo:g}</text>')
    parts.append(
        f'<text x="{pad + plot_w}" y="{axis_y + 14}" font-size="10" text-anchor="end">{hi:g}</text>'
    )
    if threshold is not None:
        x = pad + (threshold - lo) / (hi - lo) * plot_w
        parts.append(
            f'<line class="threshold" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{LIMIT}" stroke-width="2"><title>threshold {threshold:g}</title></line>'
        )
        label = f'<text x="{x + 3:.1f}" y="{top + 10}" font-size="10" fill="{LIMIT}">'
        parts.append(f"{label}{threshold:g}</text>")
    parts.append(
        f'<text x="{pad + plot_w}" y="14" font-size="10" text-anchor="end">n = {len(finite)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
