"""Weekly bar charts for the dashboard, drawn on the server as SVG: pure, no Django.

A chart is only geometry: the template draws it inside a `viewBox`, so it
scales to any width, and puts a table of the same numbers beside it for screen
readers. Bars of several series sit side by side in a week, or stacked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH = 640
HEIGHT = 240
LEFT = 44  # room for the y-axis labels
RIGHT = 8
TOP = 12
BOTTOM = 28  # room for the week labels
MAX_X_LABELS = 6
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: int
    week: str


@dataclass(frozen=True)
class Chart:
    title: str
    series: list[str]
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    left: int = LEFT
    right: int = WIDTH - RIGHT

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def totals(self) -> list[int]:
        """Each series' total over the whole chart, in series order."""
        sums = [0] * len(self.series)
        for bar in self.bars:
            sums[bar.series] += bar.value
        return sums

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The same numbers as a table: each week with one value per series."""
        table: dict[str, list[int]] = {}
        for bar in self.bars:
            table.setdefault(bar.week, [0] * len(self.series))[bar.series] = bar.value
        return list(table.items())

    @property
    def label(self) -> str:
        """One sentence for `aria-label`: the title and each series' total."""
        parts = [f"{name}: {total}" for name, total in zip(self.series, self.totals, strict=True)]
        return f"{self.title}. Totals over the period: {', '.join(parts)}."


def nice_ceiling(value: float) -> int:
    """Return the smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def weekly_bars(
    title: str,
    week_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    stacked: bool = False,
) -> Chart:
    """Return a bar chart with one group of bars per week, one bar per series (stacked
    into one bar per week with `stacked`). Every series has one value per week."""
    names = [name for name, _ in series]
    weeks = len(week_labels)
    if any(len(values) != weeks for _, values in series):
        raise ValueError("Every series needs one value per week.")
    chart = Chart(title=title, series=names)
    if not weeks or not series:
        return chart
    per_week = [[values[week] for _, values in series] for week in range(weeks)]
    highest = max(sum(values) if stacked else max(values) for values in per_week)
    # Ticks every 1, 2 or 5 × 10ⁿ, with the top of the axis on a tick.
    tick = nice_ceiling(highest / TICKS)
    top_value = max(math.ceil(highest / tick), 1) * tick
    plot_height = chart.bottom - chart.top
    slot = (chart.right - chart.left) / weeks
    gap = min(slot * 0.2, 8)
    lanes = 1 if stacked else len(series)
    bar_width = (slot - gap) / lanes

    def scaled(value: float) -> float:
        return plot_height * value / top_value

    bars = []
    for week, values in enumerate(per_week):
        x0 = chart.left + week * slot + gap / 2
        base = float(chart.bottom)
        for index, value in enumerate(values):
            height = scaled(value)
            if stacked:
                base -= height
                y, x = base, x0
            else:
                y, x = chart.bottom - height, x0 + index * bar_width
            bars.append(
                Bar(
                    x=round(x, 2),
                    y=round(y, 2),
                    width=round(max(bar_width - (0 if stacked else 1), 1), 2),
                    height=round(height, 2),
                    series=index,
                    value=value,
                    week=week_labels[week],
                )
            )
    y_ticks = [
        (round(chart.bottom - scaled(value), 2), value) for value in range(0, top_value + 1, tick)
    ]
    every = math.ceil(weeks / MAX_X_LABELS)
    x_labels = [
        (round(chart.left + week * slot + slot / 2, 2), week_labels[week])
        for week in range(0, weeks, every)
    ]
    return Chart(title=title, series=names, bars=bars, y_ticks=y_ticks, x_labels=x_labels)


def week_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def dashboard_charts(numbers: dict) -> dict[str, Chart]:
    """Return the dashboard's weekly charts from `programme_numbers`' weekly series."""
    labels = [week_label(day) for day in numbers["period"]["weeks"]]
    requests = numbers["requests"]["weekly"]
    matches = numbers["matches"]["weekly"]
    checkins = numbers["checkins"]["weekly"]
    raised = numbers["safety"]["weekly"]
    steps = numbers["steps"]["weekly"]
    return {
        "requests": weekly_bars(
            "Requests answered per week",
            labels,
            [
                ("Accepted", requests["accepted"]),
                ("Declined", requests["declined"]),
                ("Expired", requests["expired"]),
            ],
            stacked=True,
        ),
        "first_matches": weekly_bars(
            "Newcomers matched for the first time per week",
            labels,
            [("First matched", numbers["time_to_match"]["weekly"])],
        ),
        "matches": weekly_bars(
            "Active matches at the end of each week, and matches ended",
            labels,
            [("Active", matches["active"]), ("Ended", matches["ended"])],
        ),
        "checkins": weekly_bars(
            "Check-ins done and due per week",
            labels,
            [("Done", checkins["done"]), ("Due", checkins["due"])],
        ),
        "safety": weekly_bars(
            "Holds, concerns and reports raised per week",
            labels,
            [
                ("Holds", raised["holds"]),
                ("Concerns", raised["concerns"]),
                ("Reports", raised["reports"]),
            ],
            stacked=True,
        ),
        "steps": weekly_bars(
            "Steps marked in check-ins per week",
            labels,
            [
                ("Went well", steps["went_well"]),
                ("Partly", steps["partly"]),
                ("Not this week", steps["not_this_week"]),
            ],
            stacked=True,
        ),
    }
