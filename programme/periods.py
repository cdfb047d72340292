"""The period a report covers, cut into weeks: pure date arithmetic, no database.

A period runs from its first day to its last, both included, in the programme's
time zone. Its weeks start on the period's first day (not on a Monday), so the
last week of a custom period may be shorter than seven days.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PERIOD_WEEKS = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
# A custom period may cover at most this many days (about three years).
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    @classmethod
    def last_weeks(cls, weeks: int, today: datetime.date) -> Period:
        """Return the `weeks` weeks that end today."""
        return cls(today - datetime.timedelta(days=7 * weeks - 1), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> list[datetime.date]:
        """The first day of each week of the period."""
        return [
            self.start + datetime.timedelta(days=7 * index)
            for index in range(math.ceil(self.days / 7))
        ]

    def week_index(self, day: datetime.date) -> int | None:
        """Return which week of the period `day` falls in, or None when outside it."""
        if day < self.start or day > self.end:
            return None
        return (day - self.start).days // 7

    def week_ends(self) -> list[datetime.date]:
        """The last day of each week (the period's end for a short last week)."""
        return [min(start + datetime.timedelta(days=6), self.end) for start in self.weeks]

    def weekly(self, day_counts: Iterable[tuple[datetime.date, int]]) -> list[int]:
        """Sum counts per day into one count per week; days outside are left out."""
        totals = [0] * len(self.weeks)
        for day, count in day_counts:
            index = self.week_index(day)
            if index is not None:
                totals[index] += count
        return totals


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Return the nearest-rank percentile: the smallest value with `share` of values at
    or below it (for 90th: the value 90% of people reached within)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return round(ordered[rank - 1], 1)


def days_between(earlier: datetime.datetime, later: datetime.datetime) -> float:
    return max((later - earlier).total_seconds(), 0) / 86400


def share(part: int, whole: int) -> float | None:
    """Return part / whole in 0–1, None when there is nothing to divide by."""
    return round(part / whole, 3) if whole else None
