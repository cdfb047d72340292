"""Day separators of a conversation, in the reader's own time zone (pure)."""

import datetime

from django.utils import timezone


def day_label(day: datetime.date, today: datetime.date) -> str:
    """ "Today", "Yesterday", else the weekday and date ("Monday 3 March")."""
    if day == today:
        return "Today"
    if day == today - datetime.timedelta(days=1):
        return "Yesterday"
    label = f"{day:%A} {day.day} {day:%B}"
    return label if day.year == today.year else f"{label} {day.year}"


def by_day(messages, *, now: datetime.datetime | None = None) -> list[tuple[str, list]]:
    """Group messages (oldest first) by their day in the active time zone."""
    today = timezone.localdate(now or timezone.now())
    groups: list[tuple[str, list]] = []
    current = None
    for message in messages:
        day = timezone.localdate(message.created_at)
        if day != current:
            groups.append((day_label(day, today), []))
            current = day
        groups[-1][1].append(message)
    return groups
