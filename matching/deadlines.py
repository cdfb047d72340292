"""The words for when a mentor is asked to answer a request.

One function words it for every surface (the newcomer's status page, the
mentor's inbox, the member home page and the emails), so the two sides of a
request never read different promises ("a few days" on one side, "Saturday"
on the other). Dates are named in the reader's own time zone, as on every page.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import dateformat, timezone

from .models import Match, MatchState

DATE_FORMAT = "l j F"  # Friday 6 March


def member_zone(member) -> zoneinfo.ZoneInfo:
    """Return the member's own time zone, or UTC when it is missing or unknown here."""
    return zoneinfo.ZoneInfo(member.time_zone_name())


def answer_due_date(match: Match, *, zone: datetime.tzinfo | None = None) -> str:
    """Return the day a request waiting for its mentor is due an answer ("Friday 6 March"),
    or "" for anything else (a request staff have not passed on has no date yet)."""
    if match.state != MatchState.AWAITING_MENTOR or match.expires_at is None:
        return ""
    local = timezone.localtime(match.expires_at, zone or timezone.get_current_timezone())
    return dateformat.format(local, DATE_FORMAT)


def request_deadline(match: Match, *, zone: datetime.tzinfo | None = None) -> str:
    """Return the sentence both sides of an open request read about its answer, or "".

    Pages call it without `zone` (the signed-in member's zone is active); emails
    pass the recipient's zone.
    """
    due = answer_due_date(match, zone=zone)
    if not due:
        return ""
    return f"An answer is due by {due}. If none comes by then, the request moves on."
