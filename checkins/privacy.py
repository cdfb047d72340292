"""Check-ins' part of a member's data: the check-ins they wrote and the reminders
sent to them (`members.privacy`)."""

from __future__ import annotations

import datetime

from django.db.models import Q

from matching.models import Match
from matching.selectors import matches_past_retention
from members.models import Member
from members.privacy import (
    REMOVED_TEXT,
    ExportContext,
    MemberData,
    export_time,
    name_pattern,
    register,
    remove_name,
)

from .models import CheckIn, Reminder, ReminderState


def _checkins(member: Member) -> list[dict]:
    return [
        {
            "match": checkin.match_id,
            "written": export_time(checkin.created_at),
            "connected": checkin.get_connected_display(),
            "rating": checkin.rating,
            "concern": checkin.concern,
            "note": checkin.note,
        }
        for checkin in CheckIn.objects.filter(author=member).order_by("created_at", "pk")
    ]


def _reminders(member: Member) -> list[dict]:
    return [
        {
            "match": reminder.match_id,
            "due": export_time(reminder.due_at),
            "sent": export_time(reminder.sent_at),
            "state": reminder.get_state_display(),
        }
        for reminder in Reminder.objects.filter(recipient=member).order_by("due_at", "pk")
    ]


def export(member: Member, context: ExportContext) -> dict:
    """Return the check-ins the member wrote (never their peer's) and their reminders."""
    return {"check_ins": _checkins(member), "reminders": _reminders(member)}


def erase(member: Member) -> None:
    """Remove the notes the leaving member wrote and their name from their peers' notes,
    and skip the reminders still due to them."""
    CheckIn.objects.filter(author=member).exclude(note="").update(note=REMOVED_TEXT)
    Reminder.objects.filter(recipient=member, state=ReminderState.DUE).update(
        state=ReminderState.SKIPPED, last_error="account deleted"
    )
    pattern = name_pattern(member.display_name)
    if pattern is None:
        return
    theirs = Match.objects.filter(Q(newcomer=member) | Q(mentor=member))
    remove_name(CheckIn.objects.filter(match__in=theirs).exclude(author=member), "note", pattern)


def purge(now: datetime.datetime) -> dict[str, int]:
    """Clear the notes of check-ins on requests and matches closed longer than the
    retention period."""
    closed_ids = matches_past_retention(now)
    purged = CheckIn.objects.filter(match__in=closed_ids).exclude(note="").update(note="")
    return {"checkins_purged": purged}


register(
    MemberData(
        app_label="checkins",
        models=(CheckIn, Reminder),
        export=export,
        erase=erase,
        purge=purge,
    )
)
