"""The IKM report's chart, laid out here in Python and drawn as inline SVG by the page's template
(dashboard/survey_chart.html, autoescaped): no script, no chart library, no CDN.

Bars are the NRR of U1..U9 on the regulation's 1–4 scale (axis 0–4), coloured by the grade the
value would give, with a dashed line at the lower edge of grade B's NRR (76.61 / 25 ≈ 3.06).
Colours are SVG attributes, not `style`, so the dashboard's Content-Security-Policy lets them through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from bot.survey import ikm

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40
SCALE_MAX = 4
GOOD_LINE = ikm.nrr_at("B")  # the NRR at which the IKM reaches grade B (76.61)
COLOURS = {"A": "#1b7f3b", "B": "#4f8fce", "C": "#e0a100", "D": "#c0392b"}


@dataclass(frozen=True)
class Bar:
    element: str
    label: str  # "U1"
    value: Decimal  # the NRR, two decimals
    x: float
    y: float
    width: float
    height: float
    colour: str


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
    good_y: float = 0.0
    ticks: list[Tick] = field(default_factory=list)
    slots: list[tuple[str, float]] = field(default_factory=list)  # (label, centre x) of U1..U9
    bars: list[Bar] = field(default_factory=list)


def nrr_chart(nrr: Mapping[str, Fraction]) -> Chart:
    """The chart's geometry for the NRR per element; no bars when there are no respondents."""
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(ikm.ELEMENTS)
    bar_w = round(slot * 0.6, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h - plot_h * value / SCALE_MAX, 1)

    chart = Chart(good_y=y(float(GOOD_LINE)), ticks=[Tick(t, y(t)) for t in range(SCALE_MAX + 1)])
    for index, element in enumerate(ikm.ELEMENTS):
        x = round(LEFT + slot * index + (slot - bar_w) / 2, 1)
        label = f"U{index + 1}"
        chart.slots.append((label, round(x + bar_w / 2, 1)))
        value = nrr.get(element)
        if value is None:
            continue
        top = y(float(value))
        chart.bars.append(Bar(element, label, ikm.round2(value), x, top, bar_w, round(chart.base - top, 1),
                              COLOURS[ikm.band_of_nrr(value).grade]))
    return chart
