"""The visit-times report's charts, laid out here in Python and drawn as inline SVG by the page's template
(dashboard/visit_times_chart.html, autoescaped), as the IKM chart is (bot/dashboard/survey_chart.py): no
script, no chart library, no CDN.

A histogram of one measure: the visits per span of BIN minutes up to LAST, then one bar for everything
longer. A span ends at its upper edge, so a visit of exactly 10 minutes is in "5–10", the bar of a
10-minute standard's last span within it. Bars within the standard are green, over it orange; a dashed
line marks the standard. Colours are SVG attributes, not `style`, for the dashboard's Content-Security-Policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 16, 40
BIN, LAST = 5, 60  # minutes
WITHIN, OVER, PLAIN = "#1b7f3b", "#d9822b", "#4f8fce"


@dataclass(frozen=True)
class Bar:
    low: int
    high: int | None  # None: the last bar, "over LAST"
    count: int
    x: float
    y: float
    width: float
    height: float
    colour: str
    within: bool | None


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: float = WIDTH - RIGHT
    top: int = TOP
    base: float = HEIGHT - BOTTOM
    label_y: float = HEIGHT - BOTTOM + 18
    standard_x: float | None = None
    last: int = LAST
    ticks: list[Tick] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)


def bin_of(minutes: float) -> int:
    """The bar a duration falls in: 0 for 0–5 (0 included), 1 for (5, 10], …, the last for over LAST."""
    if minutes > LAST:
        return LAST // BIN
    return max(0, math.ceil(minutes / BIN) - 1)


def histogram(durations: list[timedelta], standard_minutes: int | None) -> Chart:
    """The chart's geometry; bars of 0 are drawn flat so every span keeps its label."""
    slots = LAST // BIN + 1
    counts = [0] * slots
    for duration in durations:
        counts[bin_of(duration.total_seconds() / 60)] += 1
    top = max([*counts, 1])
    step = max(1, math.ceil(top / 4))
    scale_max = step * math.ceil(top / step)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / slots
    bar_w = round(slot * 0.7, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - plot_h * value / scale_max, 1)

    chart = Chart(ticks=[Tick(t, y(t)) for t in range(0, scale_max + 1, step)])
    for index, count in enumerate(counts):
        low = index * BIN
        high = low + BIN if index < slots - 1 else None
        inside = None if standard_minutes is None else (high is not None and high <= standard_minutes)
        colour = PLAIN if inside is None else (WITHIN if inside else OVER)
        x = round(LEFT + slot * index + (slot - bar_w) / 2, 1)
        top_y = y(count)
        chart.bars.append(Bar(low, high, count, x, top_y, bar_w, round(chart.base - top_y, 1), colour, inside))
    if standard_minutes is not None:
        chart.standard_x = round(LEFT + slot * min(standard_minutes, LAST + BIN) / BIN, 1)
    return chart
