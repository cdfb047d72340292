"""Writes for the member home page."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import Member

from .models import HomeVisit

# Visits closer together than this are one visit: a reload keeps showing what
# changed since the visit before.
SAME_VISIT = datetime.timedelta(minutes=30)


@transaction.atomic
def home_visit_record(
    *, member: Member, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Record a visit to the home page; return the last visit before it, or None the first time."""
    now = now or timezone.now()
    visit = HomeVisit.objects.select_for_update().filter(member=member).first()
    if visit is None:
        HomeVisit.objects.get_or_create(member=member, defaults={"visited_at": now})
        return None
    if now - visit.visited_at >= SAME_VISIT:
        visit.previous_visited_at = visit.visited_at
    visit.visited_at = now
    visit.save(update_fields=["visited_at", "previous_visited_at"])
    return visit.previous_visited_at
