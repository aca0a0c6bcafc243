"""Inline SVG charts for the version report: horizontal bars, columns, an empty-chart note.
Drawn here so the report page loads nothing (no script, no network) and opens from disk."""

from __future__ import annotations

import html
import math

_E = html.escape


def _cut(s, n: int = 80) -> str:
    s = "" if s is None else str(s).replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def nice_step(raw: float) -> int:
    """1, 2, 5, 10, 20, 50, … : the smallest such step >= raw."""
    if raw <= 1:
        return 1
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return int(m * mag)
    return int(10 * mag)


# --------------------------------------------------------------------------------------------
# SVG


def hbar_svg(items: list[tuple[str, int]], label: str, width: int = 560) -> str:
    """Horizontal bars, one per (name, count), the count written at the bar's end."""
    if not items:
        return empty_svg("none")
    bar_h, gap, lab_w, num_w = 18, 6, min(220, 12 + 7 * max(len(k) for k, _ in items)), 56
    plot_w = width - lab_w - num_w
    top = max(n for _, n in items) or 1
    h = len(items) * (bar_h + gap) + gap
    parts = [_svg_open(width, h, label)]
    for i, (k, n) in enumerate(items):
        y = gap + i * (bar_h + gap)
        w = max(1.0, plot_w * n / top) if n else 0
        parts.append(
            f'<g><title>{_E(k)}: {n:,}</title>'
            f'<text x="{lab_w - 8}" y="{y + bar_h - 5}" text-anchor="end" class="lab">'
            f"{_E(_cut(k, 30))}</text>"
            f'<rect x="{lab_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" class="bar"/>'
            f'<text x="{lab_w + w + 6:.1f}" y="{y + bar_h - 5}" class="val">{n:,}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def column_svg(bins: list[tuple[str, int]], label: str, x_title: str = "",
               width: int = 560, height: int = 220) -> str:
    """A histogram: one column per (bin label, count), a y axis with a few round ticks."""
    if not bins:
        return empty_svg("none")
    left, right, top_pad, bottom = 44, 10, 12, 54
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max(c for _, c in bins)
    y_step = nice_step(max(top, 1) / 4)
    y_max = max(y_step, math.ceil(max(top, 1) / y_step) * y_step)
    col_w = plot_w / len(bins)
    parts = [_svg_open(width, height, label)]
    for t in range(0, y_max + 1, y_step):
        y = top_pad + plot_h - plot_h * t / y_max
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="tick">{t:,}</text>')
    every = max(1, math.ceil(len(bins) / 8))  # at most ~8 x labels
    for i, (k, c) in enumerate(bins):
        x = left + i * col_w
        h = plot_h * c / y_max
        parts.append(f'<g><title>{_E(k)}: {c:,}</title>'
                     f'<rect x="{x + 1:.1f}" y="{top_pad + plot_h - h:.1f}" '
                     f'width="{max(col_w - 2, 1):.1f}" height="{h:.1f}" class="bar"/></g>')
        if i % every == 0:
            cx = x + col_w / 2
            parts.append(f'<text x="{cx:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" '
                         f'class="tick">{_E(_cut(k, 12))}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" '
                 f'y2="{top_pad + plot_h}" class="axis"/>')
    if x_title:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
                     f'class="lab">{_E(x_title)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def empty_svg(message: str, width: int = 560, height: int = 60) -> str:
    return (_svg_open(width, height, message)
            + f'<text x="{width / 2}" y="{height / 2 + 5}" text-anchor="middle" class="lab">'
            f"{_E(message)}</text></svg>")


def _svg_open(w: int, h: int, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
            f'height="{h}" role="img" aria-label="{_E(label)}">')
