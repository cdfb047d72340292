"""Writes for the member home page."""

from __future__ import annotations

import datetime

from django.utils import timezone

from members.models import Member

from .models import HomeVisit

# Visits closer together than this are one visit: a reload keeps showing what
# changed since the visit before.
SAME_VISIT = datetime.timedelta(minutes=30)
# A load this soon after the last one recorded (a reload, the back button) is not
# written: it is the same visit, and the window just moves on at the next write.
RELOAD = datetime.timedelta(minutes=1)


def home_visit_record(
    *, member: Member, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Record a visit to the home page; return the last visit before it, or None the first time.

    Two small queries, no lock: two loads of the page at the same moment both
    record the same visit. A reload within `RELOAD` is one query: nothing changes.
    """
    now = now or timezone.now()
    visits = HomeVisit.objects.filter(member=member)
    try:
        visited_at, previous = visits.values_list("visited_at", "previous_visited_at").get()
    except HomeVisit.DoesNotExist:
        HomeVisit.objects.get_or_create(member=member, defaults={"visited_at": now})
        return None
    if now - visited_at < RELOAD:
        return previous
    if now - visited_at >= SAME_VISIT:
        previous = visited_at
    visits.update(visited_at=now, previous_visited_at=previous)
    return previous
