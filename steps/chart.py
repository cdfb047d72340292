"""The small history chart on "My steps": pure, so it is tested without a database.

Each answer becomes a point, oldest on the left; "Went well" sits highest and
"Not this week" lowest, with no line below zero and no score anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ANSWER_LEVELS = {"not_this_week": 0, "partly": 1, "went_well": 2}
HISTORY_POINTS = 8
WIDTH = 160
HEIGHT = 48
PADDING = 6


@dataclass(frozen=True)
class Chart:
    points: list[tuple[int, int]]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        """The points as an SVG `points` attribute."""
        return " ".join(f"{x},{y}" for x, y in self.points)


def history_chart(answers: Sequence[str], *, limit: int = HISTORY_POINTS) -> Chart:
    """Return the chart of the latest `limit` answers (oldest first), unknown ones left out."""
    levels = [ANSWER_LEVELS[answer] for answer in answers if answer in ANSWER_LEVELS][-limit:]
    top, bottom = PADDING, HEIGHT - PADDING
    step_height = (bottom - top) / (max(ANSWER_LEVELS.values()) or 1)
    if len(levels) == 1:
        xs = [WIDTH // 2]
    else:
        span = (WIDTH - 2 * PADDING) / max(len(levels) - 1, 1)
        xs = [round(PADDING + index * span) for index in range(len(levels))]
    return Chart(
        [(x, round(bottom - level * step_height)) for x, level in zip(xs, levels, strict=True)]
    )
