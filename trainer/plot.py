"""The loss curves of a training log as a standalone SVG (no plotting library needed).

    python -m trainer.plot runs/x/megatron/train/log.jsonl   # writes loss.svg beside it

Training loss per iteration as a line, validation loss per language as dotted lines with
points, on shared axes, so a language that lags stands out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

W, H, PAD = 640, 360, 48
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]  # fmt: skip


def write_loss_svg(records: list[dict[str, Any]], path: Path) -> Path:
    """Plots `loss` records and `valid_loss` records (iteration → {lang: loss})."""
    series: dict[str, list[tuple[float, float]]] = {"train": []}
    for r in records:
        if "loss" in r:
            series["train"].append((r["iteration"], r["loss"]))
        for lang, value in r.get("valid_loss", {}).items():
            series.setdefault(f"valid {lang}", []).append((r["iteration"], value))
    points = [p for s in series.values() for p in s]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="{W}" height="{H}" fill="white"/>']  # fmt: skip
    if points:
        x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
        y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
        x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

        def sx(x: float) -> float:
            return PAD + (x - x0) / (x1 - x0) * (W - 2 * PAD)

        def sy(y: float) -> float:
            return H - PAD - (y - y0) / (y1 - y0) * (H - 2 * PAD)

        parts.append(f'<path d="M{PAD},{PAD} V{H - PAD} H{W - PAD}" stroke="black" fill="none"/>')
        for y in (y0, (y0 + y1) / 2, y1):
            parts.append(
                f'<text x="{PAD - 4}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>'
            )
        for x in (x0, x1):
            parts.append(
                f'<text x="{sx(x):.1f}" y="{H - PAD + 14}" text-anchor="middle">{x:g}</text>'
            )
        parts.append(f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle">iteration</text>')
        for i, (name, pts) in enumerate(series.items()):
            if not pts:
                continue
            colour = COLOURS[i % len(COLOURS)]
            d = " ".join(f"{'M' if k == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}"
                         for k, (x, y) in enumerate(pts))  # fmt: skip
            dash = "" if name == "train" else ' stroke-dasharray="4 3"'
            parts.append(f'<path d="{d}" stroke="{colour}" fill="none" stroke-width="1.5"{dash}/>')
            if name != "train":
                parts += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{colour}"/>'
                          for x, y in pts]  # fmt: skip
            parts.append(f'<text x="{W - PAD + 4 - 90}" y="{PAD + 14 * i}" fill="{colour}">'
                         f"{name}</text>")  # fmt: skip
    parts.append(f'<text x="{PAD}" y="20" font-size="13">loss</text></svg>')
    path.write_text("\n".join(parts) + "\n")
    return path


if __name__ == "__main__":
    log = Path(sys.argv[1])
    rows = [json.loads(line) for line in log.read_text().splitlines() if line]
    print(write_loss_svg(rows, log.with_name("loss.svg")))
