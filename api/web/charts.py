"""Small inline SVG charts for the HQ dashboard: no plotting library, no image files.

The browser draws the text, so Chinese labels use the page's own fonts. Each function takes
plain (label, value) rows and returns SVG markup (labels escaped).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

BAR = 18
GAP = 6
LABEL_WIDTH = 120
VALUE_WIDTH = 90
RATE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)  # gridlines of a rate axis: at most five steps


def hbar(rows: Sequence[tuple[str, float]], *, width: int = 560, fmt: Callable[[float], str] = str,
         max_value: float | None = None, css: str = "bar", title: str = "") -> Markup:
    """Horizontal bars, one per row, largest scale first as given."""
    if not rows:
        return Markup("")
    top = max_value if max_value is not None else max((v for _, v in rows), default=0) or 1
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (BAR + GAP) + GAP
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">']
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        w = max(0.0, min(1.0, float(value) / float(top))) * plot
        out.append(f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y + BAR * 0.72:.1f}" text-anchor="end">'
                   f'{escape(label)}</text>')
        out.append(f'<rect class="{css}" x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{BAR}" rx="2">'
                   f'<title>{escape(label)}: {escape(fmt(value))}</title></rect>')
        out.append(f'<text class="value" x="{LABEL_WIDTH + w + 4:.1f}" y="{y + BAR * 0.72:.1f}">'
                   f'{escape(fmt(value))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def rate_line(points: Sequence[tuple[str, float, int]], *, width: int = 560, height: int = 200,
              target: float | None = 1.0, title: str = "") -> Markup:
    """A rate (0..1) per day as a line with dots; `points` are (day, rate, count)."""
    if not points:
        return Markup("")
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    low = min(0.8, min(r for _, r, _ in points))
    low = max(0.0, (int(low * 10)) / 10)

    def y(rate: float) -> float:
        return top + (1 - (rate - low) / (1 - low or 1)) * plot_h

    def x(i: int) -> float:
        return left + (plot_w / 2 if len(points) == 1 else i * plot_w / (len(points) - 1))

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">']
    steps = 4
    for k in range(steps + 1):
        rate = low + (1 - low) * k / steps
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(rate):.1f}" y2="{y(rate):.1f}"/>')
        out.append(f'<text class="axis" x="{left - 4}" y="{y(rate) + 4:.1f}" text-anchor="end">{rate * 100:.0f}%</text>')
    if target is not None and low <= target <= 1:
        out.append(f'<line class="target" x1="{left}" x2="{width - right}" y1="{y(target):.1f}" y2="{y(target):.1f}"/>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(r):.1f}" for i, (_, r, _) in enumerate(points))
    out.append(f'<path class="line" d="{path}"/>')
    every = max(1, len(points) // 6)
    for i, (day, rate, n) in enumerate(points):
        out.append(f'<circle class="dot" cx="{x(i):.1f}" cy="{y(rate):.1f}" r="3">'
                   f'<title>{escape(day)}: {rate * 100:.1f}% ({n})</title></circle>')
        if i % every == 0 or i == len(points) - 1:
            out.append(f'<text class="axis" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{escape(day[5:])}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def plan_history(points: Sequence[tuple[str, str, float, float, float, float]], *, width: int = 560,
                 height: int = 300, fmt_value: Callable[[float], str] = str, title: str = "") -> Markup:
    """Plans oldest first as (day, code, expected rate, upper bound, stock value, budget): the rate
    as a line over its bound (dashed) in the upper panel, the stock value as bars with the budget
    as a dashed tick in the lower one, on one axis of plans."""
    if not points:
        return Markup("")
    left, right, top, bottom, gap = 52, 12, 10, 24, 22
    rate_h = (height - top - bottom - gap) * 0.55
    value_top = top + rate_h + gap
    value_h = height - value_top - bottom
    slot = (width - left - right) / len(points)
    rates = [min(1.0, v) for _d, _c, r, u, _v, _b in points for v in (r, u)]
    step = next(s for s in RATE_STEPS if (1 - min(rates)) / s <= 5)
    low = max(0.0, 1 - step * max(1, math.ceil(round((1 - min(rates)) / step, 9))))
    most = max(max(v, b) for *_x, v, b in points) * 1.08 or 1.0

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    def y_rate(rate: float) -> float:
        return top + (1 - (min(1.0, rate) - low) / (1 - low)) * rate_h

    def y_value(value: float) -> float:
        return value_top + (1 - value / most) * value_h

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(title)}">']
    for k in range(round((1 - low) / step) + 1):
        rate = low + k * step
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y_rate(rate):.1f}" '
                   f'y2="{y_rate(rate):.1f}"/>')
        out.append(f'<text class="axis" x="{left - 4}" y="{y_rate(rate) + 4:.1f}" text-anchor="end">'
                   f'{rate * 100:.{1 if step < 0.01 else 0}f}%</text>')
    for value in (0.0, most / 1.08):
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y_value(value):.1f}" '
                   f'y2="{y_value(value):.1f}"/>')
        out.append(f'<text class="axis" x="{left - 4}" y="{y_value(value) + 4:.1f}" text-anchor="end">'
                   f'{escape(fmt_value(value))}</text>')
    bar = max(2.0, min(28.0, slot * 0.6))
    for i, (day, code, rate, upper, value, budget) in enumerate(points):
        out.append(f'<rect class="bar" x="{x(i) - bar / 2:.1f}" y="{y_value(value):.1f}" width="{bar:.1f}" '
                   f'height="{value_top + value_h - y_value(value):.1f}"><title>{escape(code)} {escape(day)}: '
                   f'{escape(fmt_value(value))} / {escape(fmt_value(budget))}</title></rect>')
        out.append(f'<line class="target" x1="{x(i) - slot * 0.45:.1f}" x2="{x(i) + slot * 0.45:.1f}" '
                   f'y1="{y_value(budget):.1f}" y2="{y_value(budget):.1f}"/>')
    for css, series in (("bound", 3), ("line", 2)):
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y_rate(p[series]):.1f}" for i, p in enumerate(points))
        out.append(f'<path class="{css}" d="{path}"/>')
    every = max(1, len(points) // 8)
    for i, (day, code, rate, upper, _v, _b) in enumerate(points):
        out.append(f'<circle class="dot" cx="{x(i):.1f}" cy="{y_rate(rate):.1f}" r="3"><title>{escape(code)} '
                   f'{escape(day)}: {rate * 100:.2f}% (&#8804; {upper * 100:.2f}%)</title></circle>')
        if i % every == 0 or i == len(points) - 1:
            out.append(f'<text class="axis" x="{x(i):.1f}" y="{height - 6}" text-anchor="middle">{escape(day)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


class TTLCache:
    """Figures that are expensive to compute and fine to be a minute old (per process)."""

    def __init__(self):
        self._store: dict = {}

    def get(self, key, seconds: float, compute: Callable):
        now = time.monotonic()
        hit = self._store.get(key)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
        value = compute()
        self._store[key] = (now, value)
        return value

    def clear(self) -> None:
        self._store.clear()
