"""Scoring and trend words for the recovery check: pure functions, no database."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# What each area of recovery capital means in a member's words.
AREA_WORDS = {
    "social": "support from the people around you",
    "physical": "steadiness in day-to-day life",
    "human": "confidence in your own strengths",
    "cultural": "connection to community and what matters to you",
    "": "the check as a whole",
}
AREA_ORDER = ["social", "physical", "human", "cultural", ""]
# Short names for a table's columns on a phone.
AREA_SHORT = {
    "social": "People",
    "physical": "Daily life",
    "human": "Strengths",
    "cultural": "Belonging",
    "": "Overall",
}


@dataclass(frozen=True)
class ScoredItem:
    pk: int
    area: str
    reverse_scored: bool


def item_score(value: int, *, reverse_scored: bool, low: int, high: int) -> int:
    """Return what one answer adds to the total (reverse-scored: low + high − answer)."""
    return low + high - value if reverse_scored else value


def score_range(item_count: int, low: int, high: int) -> tuple[int, int]:
    """Return the lowest and highest total a version with `item_count` items can give."""
    return item_count * low, item_count * high


def total_and_areas(
    answers: Mapping[int, int], items: Sequence[ScoredItem], *, low: int, high: int
) -> tuple[int, dict[str, int]]:
    """Return the total score and each area's share of it for one set of answers."""
    areas: dict[str, int] = {}
    for item in items:
        value = answers[item.pk]
        points = item_score(value, reverse_scored=item.reverse_scored, low=low, high=high)
        areas[item.area] = areas.get(item.area, 0) + points
    return sum(areas.values()), areas


def is_due(
    *,
    now: datetime.datetime,
    last_taken: datetime.datetime | None,
    last_dismissed: datetime.datetime | None,
    every_days: int,
) -> bool:
    """Return whether the check is offered now: never taken or set aside, or not for a period."""
    latest = max(filter(None, [last_taken, last_dismissed]), default=None)
    return latest is None or now - latest >= datetime.timedelta(days=every_days)


def _when(moment: datetime.datetime, now: datetime.datetime) -> str:
    if moment.year == now.year:
        return moment.strftime("%B")
    return moment.strftime("%B %Y")


def area_sentence(area: str, latest: int, earlier: int, when: str) -> str:
    """Say in a strength-based way how one area compares with an earlier check."""
    words = AREA_WORDS.get(area, AREA_WORDS[""])
    if latest > earlier:
        return f"More {words} than in {when}."
    if latest == earlier:
        return f"About the same {words} as in {when}."
    return f"A little less {words} than in {when}. Things shift, and that's okay."


def trend_sentences(
    checks: Sequence[tuple[datetime.datetime, Mapping[str, int]]], *, now: datetime.datetime
) -> list[str]:
    """Compare the latest check's areas with the first (and the one before, if different).

    `checks` are (taken at, area totals) of one version, oldest first.
    """
    if len(checks) < 2:
        return []
    (first_at, first), latest = checks[0], checks[-1][1]
    areas = [area for area in AREA_ORDER if area in latest]
    sentences = [
        area_sentence(area, latest[area], first.get(area, 0), _when(first_at, now))
        for area in areas
    ]
    if len(checks) > 2:
        previous_at, previous = checks[-2]
        when = _when(previous_at, now)
        if when == _when(first_at, now):
            when = f"your check before this one ({previous_at.day} {previous_at:%B})"
        sentences += [
            area_sentence(area, latest[area], previous.get(area, 0), when) for area in areas
        ]
    return sentences


def median_change(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Return the median of latest − first over (first, latest) totals, or None for none."""
    changes = [latest - first for first, latest in pairs]
    return statistics.median(changes) if changes else None


def chart_points(
    totals: Sequence[int], *, low: int, high: int, width: int = 300, height: int = 120
) -> str:
    """Return SVG polyline points for totals over time, scaled into the box."""
    if not totals:
        return ""
    pad = 10
    span = max(high - low, 1)
    step = (width - 2 * pad) / max(len(totals) - 1, 1)
    points = []
    for index, total in enumerate(totals):
        x = pad + index * step
        y = height - pad - (total - low) / span * (height - 2 * pad)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)
