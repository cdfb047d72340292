"""The programme's numbers, for the reporting API and a future dashboard: counts only,
never a member's data."""

from __future__ import annotations

import datetime
import statistics

from django.db.models import Count
from django.utils import timezone

from checkins.models import CheckIn
from members.models import Member, Role, VettingStatus

from .models import REQUEST_STATES, Match, MatchState

WINDOW_DAYS = 30
# A mentor's first response to a request: they accepted or declined it.
ANSWERED_STATES = [MatchState.ACTIVE, MatchState.ENDED, MatchState.DECLINED]


def members_by_role_and_vetting() -> dict[str, dict[str, int]]:
    """Members who have not deleted their account, by role; mentors also by vetting status."""
    counts = {role: {"total": 0} for role in Role.values}
    counts[Role.MENTOR].update(dict.fromkeys(VettingStatus.values, 0))
    rows = (
        Member.objects.filter(deleted_at=None)
        .values("role", "vetting_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        by_role = counts.setdefault(row["role"], {"total": 0})
        by_role["total"] += row["count"]
        if row["role"] == Role.MENTOR:
            by_role[row["vetting_status"]] = by_role.get(row["vetting_status"], 0) + row["count"]
    return counts


def median_hours_to_first_response(since: datetime.datetime) -> float | None:
    """Median hours from a request reaching a mentor to their answer, over answers since
    `since`; None when there were none."""
    rows = Match.objects.filter(
        state__in=ANSWERED_STATES,
        sent_to_mentor_at__isnull=False,
        decided_at__gte=since,
    ).values_list("sent_to_mentor_at", "decided_at")
    hours = [(decided - sent).total_seconds() / 3600 for sent, decided in rows if decided >= sent]
    return round(statistics.median(hours), 2) if hours else None


def programme_numbers(*, now: datetime.datetime | None = None) -> dict:
    """Return the programme's numbers: counts and one median, nothing about anyone."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=WINDOW_DAYS)
    states = dict(
        Match.objects.filter(state__in=[*REQUEST_STATES, MatchState.ACTIVE])
        .values_list("state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {
        "generated_at": now,
        "window_days": WINDOW_DAYS,
        "members": members_by_role_and_vetting(),
        "open_requests": sum(states.get(state, 0) for state in REQUEST_STATES),
        "active_matches": states.get(MatchState.ACTIVE, 0),
        "matches_ended_in_window": Match.objects.filter(
            state=MatchState.ENDED, ended_at__gte=since
        ).count(),
        "median_hours_to_first_response": median_hours_to_first_response(since),
        "checkins_in_window": CheckIn.objects.filter(created_at__gte=since).count(),
    }
