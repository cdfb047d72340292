"""Reads for check-ins: the staff "needs attention" list and members' pages."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from matching.models import Match, MatchState
from members.models import Member
from members.visibility import PeerView, peer_view
from messaging.models import Message

from . import schedule
from .models import CheckIn, CheckinSettings, Reminder, ReminderState


def cadence_for(match: Match, programme: CheckinSettings) -> schedule.Cadence:
    """Return the match's cadence: its staff override, else the programme's."""
    override = getattr(match, "cadence", None)
    return schedule.Cadence(
        first_after_days=override.first_after_days if override else programme.first_after_days,
        every_days=override.every_days if override else programme.every_days,
        quiet_start=programme.quiet_start,
        quiet_end=programme.quiet_end,
    )


def member_time_zone(member: Member) -> str:
    """Return the member's time zone, or UTC when it is unknown to this machine."""
    return member.time_zone_name()


@dataclass(frozen=True)
class Attention:
    match: Match
    reasons: list[str]


@dataclass(frozen=True)
class MissedRun:
    count: int
    since: datetime.datetime | None  # when the first slot of the run was due


def missed_run(
    reminders: list[Reminder], checkins: list[CheckIn], now: datetime.datetime
) -> MissedRun:
    """Return the most recent reminder slots in a row that got no check-in from anyone.

    A slot counts as missed when nobody checked in between its due time and
    the next slot's (or now, once a day has passed since it was due).
    """
    # Both people get a reminder per slot, at their own local time: a slot
    # starts when the first of them is due.
    slot_starts: dict[int, datetime.datetime] = {}
    for reminder in reminders:
        slot_starts[reminder.slot] = min(
            reminder.due_at, slot_starts.get(reminder.slot, reminder.due_at)
        )
    due_times = [slot_starts[slot] for slot in sorted(slot_starts)]
    times = sorted(checkin.created_at for checkin in checkins)
    missed, since = 0, None
    for index in range(len(due_times) - 1, -1, -1):
        start = due_times[index]
        end = due_times[index + 1] if index + 1 < len(due_times) else now
        if end - start < datetime.timedelta(days=1) and index + 1 == len(due_times):
            continue  # the newest reminder just went out: give people a day
        if any(start <= moment < end for moment in times):
            break
        missed, since = missed + 1, start
    return MissedRun(count=missed, since=since)


@dataclass(frozen=True)
class MissedCheckins:
    match: Match
    missed: int
    since: datetime.datetime


def _active_matches_with_checkins() -> QuerySet[Match]:
    return (
        Match.objects.filter(state=MatchState.ACTIVE)
        .select_related("newcomer", "mentor")
        .prefetch_related(
            Prefetch("reminders", queryset=Reminder.objects.order_by("slot")),
            Prefetch("checkins", queryset=CheckIn.objects.order_by("created_at")),
        )
    )


def _missed_for(match: Match, now: datetime.datetime, limit: int) -> MissedCheckins | None:
    run = missed_run(list(match.reminders.all()), list(match.checkins.all()), now)
    if run.count < limit or run.since is None:
        return None
    return MissedCheckins(match=match, missed=run.count, since=run.since)


def matches_missing_checkins(*, now: datetime.datetime | None = None) -> list[MissedCheckins]:
    """Return active matches whose last check-ins were missed, as many in a row as the
    programme's limit or more, oldest run first; four queries whatever their number."""
    now = now or timezone.now()
    limit = CheckinSettings.get_solo().missed_in_a_row
    flagged = [_missed_for(match, now, limit) for match in _active_matches_with_checkins()]
    return sorted(
        (item for item in flagged if item is not None),
        key=lambda item: (item.since, item.match.pk),
    )


def needs_attention(*, now: datetime.datetime | None = None) -> list[Attention]:
    """Return active matches with an open concern or too many missed check-ins."""
    now = now or timezone.now()
    limit = CheckinSettings.get_solo().missed_in_a_row
    flagged = []
    for match in _active_matches_with_checkins():
        reasons = []
        if any(checkin.open_concern for checkin in match.checkins.all()):
            reasons.append("A concern was raised")
        missed = _missed_for(match, now, limit)
        if missed is not None:
            reasons.append(f"{missed.missed} check-ins missed in a row")
        if reasons:
            flagged.append(Attention(match=match, reasons=reasons))
    return flagged


def open_concerns() -> QuerySet[CheckIn]:
    """Return check-ins that raised a concern no one has acknowledged yet, oldest first."""
    return CheckIn.objects.filter(concern=True, concern_acknowledged_at=None).order_by(
        "created_at", "pk"
    )


@dataclass(frozen=True)
class Upcoming:
    match: Match
    peer: PeerView
    next_due_at: datetime.datetime
    pending: Reminder | None  # a reminder due soon that may still be snoozed
    cadence: schedule.Cadence | None = None  # the match's own, else the programme's


def upcoming_for(
    member: Member, *, now: datetime.datetime | None = None, visible: Iterable[Match] | None = None
) -> list[Upcoming]:
    """Return the next check-in of each of the member's active matches.

    `visible`: the caller read the member's matches already (`Match.objects.visible_to`,
    every active one among them, with `newcomer`, `mentor` and `cadence`).
    """
    now = now or timezone.now()
    if visible is None:
        # The stage rule's own filter, not `pk IN (its ids)`: that joined every active
        # match in the programme to find the member's few.
        visible = (
            Match.objects.visible_to(member)
            .filter(state=MatchState.ACTIVE)
            .with_peers_of(member)
            .select_related("cadence")
            .by_age(newest_first=True, member=member)
        )
    matches = [
        match
        for match in visible
        if match.state == MatchState.ACTIVE and match.decided_at is not None
    ]
    if not matches:
        return []
    programme = CheckinSettings.get_solo()
    time_zone = member_time_zone(member)
    pending = {
        reminder.match_id: reminder
        for reminder in Reminder.objects.filter(
            recipient=member, state=ReminderState.DUE, sent_at__isnull=True
        )
    }
    upcoming = []
    for match in matches:
        cadence = cadence_for(match, programme)
        _, due_at = schedule.next_slot(match.decided_at, now, time_zone, cadence)
        reminder = pending.get(match.pk)
        if reminder is not None:
            due_at = min(due_at, reminder.due_at)
        other = match.mentor if match.newcomer_id == member.pk else match.newcomer
        peer = peer_view(other, viewer=member, match=match)
        upcoming.append(
            Upcoming(match=match, peer=peer, next_due_at=due_at, pending=reminder, cadence=cadence)
        )
    return upcoming


def checkins_by(member: Member) -> QuerySet[CheckIn]:
    """Return the member's own check-ins, newest first (the list and the API show what
    they answered, and the match's id)."""
    return CheckIn.objects.filter(author=member)


def reminders_to_send(reminder_ids: list[int]) -> list[Reminder]:
    """The still-due reminders among `reminder_ids`, in that order, with what
    sending needs (a member row is wide: only the fields the email uses, and
    those deciding what it says, so that sending reads nothing row by row)."""
    found = (
        Reminder.objects.filter(pk__in=reminder_ids, state=ReminderState.DUE)
        .select_related("match", "recipient__user", "match__newcomer", "match__mentor")
        .only(
            "match__state",
            "match__newcomer__display_name",
            "match__newcomer__share_display_name",
            "match__mentor__display_name",
            "match__mentor__share_display_name",
            "recipient__display_name",
            "recipient__time_zone",
            "recipient__role",
            "recipient__deleted_at",
            "recipient__user__email",
            "recipient__user__is_active",
        )
        .in_bulk()
    )
    return [found[pk] for pk in reminder_ids if pk in found]


def both_wrote_since_last_checkin(match: Match, member: Member) -> bool:
    """Whether both sides of the match wrote in its conversation since the member's
    last check-in on it (or since the match started): the check-in form then
    pre-answers "Did you connect?" with yes, and the member confirms it."""
    last_checkin = (
        CheckIn.objects.filter(match=match, author=member)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    since = last_checkin or match.decided_at or match.created_at
    writers = set(
        Message.objects.filter(
            conversation__match=match, created_at__gt=since, is_request_note=False
        )
        .values_list("sender_id", flat=True)
        .distinct()
    )
    return {match.newcomer_id, match.mentor_id} <= writers


def is_side_of(member: Member, match_id: int) -> bool:
    """Whether `member` may check in on match `match_id`, or see that it ended
    (`Match.checkins_visible_to`): a request is not a match yet."""
    match = Match.objects.filter(pk=match_id).first()
    return match is not None and match.checkins_visible_to(member)


def reminder_is_for(member: Member, reminder_id: int) -> bool:
    return Reminder.objects.filter(pk=reminder_id, recipient=member).exists()
