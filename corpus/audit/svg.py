"""Charts as inline SVG: no scripts, no external files, so the report opens anywhere, offline.

Readable by construction: text is 11 px or larger; titles live outside the SVG (in the
figure's caption), and every label has a band of its own (threshold above the plot, axis
values below it, one label per bar row), so no two labels can overlap. Colours come from
Paul Tol's "muted" scheme, chosen to stay distinct for colour-blind readers, and no figure
relies on colour alone: every segment and bar carries a <title> with its value and the
tables beside the charts hold the same numbers.
"""

from __future__ import annotations

import math
from html import escape

FONT = 11  # px, the smallest text of any chart
# Paul Tol, "muted" (colour-blind safe), then grey for what is kept.
PALETTE = (
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
)
KEPT = "#DDDDDD"
BAR = "#332288"
LIMIT = "#CC3311"  # Tol "vibrant" red: the threshold line


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _svg(cls: str, width: float, height: float, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(label)}" font-family="system-ui,sans-serif" font-size="{FONT}">'
    )


def funnel(rows: list[tuple[str, int, list[int], int]], steps: list[str], label: str) -> str:
    """One 100 % bar per language: what each step removed (a colour per step, in step
    order) and what is kept (grey). rows: (language, documents at the start, removed per
    step, kept)."""
    if not rows:
        return ""
    label_w, bar_w, value_w, row_h = 34, 420, 86, 20
    width, height = label_w + bar_w + value_w, row_h * len(rows) + 4
    parts = [_svg("funnel", width, height, label)]
    for r, (lang, start, removed, kept) in enumerate(rows):
        y = r * row_h + 2
        parts.append(f'<text x="0" y="{y + 14}">{escape(lang)}</text>')
        x = float(label_w)
        for i, n in enumerate(removed):
            if not n or not start:
                continue
            w = bar_w * n / start
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" '
                f'fill="{colour(i)}"><title>{escape(lang)}: {escape(steps[i])} removed {n} '
                f"of {start} ({100 * n / start:.1f} %)</title></rect>"
            )
            x += w
        w = bar_w * kept / start if start else 0.0
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" fill="{KEPT}">'
            f"<title>{escape(lang)}: kept {kept} of {start}</title></rect>"
        )
        pct = 100 * kept / start if start else 0.0
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}">{pct:.0f} % kept</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def histogram(values: list[float], label: str, threshold: float | None, bins: int = 30) -> str:
    """Distribution of a signal with its threshold drawn as a line and labelled above the
    plot; the range's ends are labelled below it."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    ends = finite + ([threshold] if threshold is not None else [])
    lo, hi = min(ends), max(ends)
    if hi == lo:
        hi = lo + 1.0
    counts = [0] * bins
    for v in finite:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    width, pad, top, plot_h = 380, 14, 18, 100
    plot_w = width - 2 * pad
    height = top + plot_h + 18
    cmax = max(counts) or 1
    bw = plot_w / bins
    parts = [_svg("histogram", width, height, label)]
    for i, c in enumerate(counts):
        h = plot_h * c / cmax
        x = pad + i * bw
        a, b = lo + i * (hi - lo) / bins, lo + (i + 1) * (hi - lo) / bins
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(bw - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{_fmt(a)}–{_fmt(b)}: {c}</title></rect>'
        )
    axis_y = top + plot_h
    parts.append(
        f'<line x1="{pad}" y1="{axis_y}" x2="{pad + plot_w}" y2="{axis_y}" stroke="#333"/>'
    )
    parts.append(f'<text x="{pad}" y="{axis_y + 14}">{_fmt(lo)}</text>')
    parts.append(f'<text x="{pad + plot_w}" y="{axis_y + 14}" text-anchor="end">{_fmt(hi)}</text>')
    if threshold is not None:
        x = pad + (threshold - lo) / (hi - lo) * plot_w
        parts.append(
            f'<line class="threshold" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" '
            f'stroke="{LIMIT}" stroke-width="2" stroke-dasharray="4 2">'
            f"<title>threshold {threshold:g}</title></line>"
        )
        anchor = "start" if x < width / 3 else "end" if x > 2 * width / 3 else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="12" fill="{LIMIT}" text-anchor="{anchor}">'
            f"threshold {threshold:g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def swatch(fill: str) -> str:
    """A small square of a colour, for legends written in HTML."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="swatch" width="12" height="12" '
        f'aria-hidden="true"><rect width="12" height="12" fill="{fill}"/></svg>'
    )


def heat(rate: float, vmax: float) -> tuple[str, str]:
    """(background, text colour) of a heat-map cell: white to Tol's indigo by rate, with
    text that stays readable on it."""
    t = 0.0 if vmax <= 0 else max(0.0, min(1.0, rate / vmax))
    r, g, b = (round(255 + (c - 255) * t) for c in (0x33, 0x22, 0x88))
    text = "#000" if t < 0.5 else "#fff"
    return f"#{r:02x}{g:02x}{b:02x}", text
