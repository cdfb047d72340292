"""Writes for safety: ask for help, hold a member, clear a hold; block and report a peer,
and staff acting on a report.

Blocks and reports are stored in `matching.models` (`Block`, `Report`) because the
pair rule there reads them; what a member or staff do with them is here. A refused
block or report raises `matching.services.MatchError`, as any pairing refusal does.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from checkins.models import CheckIn
from matching import services as matching_services
from matching.models import (
    OPEN_STATES,
    REPORT_TEXT_MAX,
    REQUEST_STATES,
    Block,
    EndedBy,
    Match,
    MatchState,
    Report,
    ReportAction,
    ReportStatus,
)
from matching.services import NEUTRAL_END_REASON, MatchError
from members.models import Member, Role, User
from messaging.models import Message
from peerlink.queue import enqueue

from . import selectors
from .models import HelpRequest, HoldReason, SafetySettings

HOW_TO_CONTACT_MAX = 200
CLEAR_NOTE_MAX = 2000
NOTE_REQUIRED = "Write what was done: the note is kept with the hold."
ALREADY_CLEARED = "This hold was already cleared."


class SafetyError(Exception):
    """A safety step the rules do not allow; the text is for people."""


class NotTheirMessage(SafetyError):
    """The message is not the peer's, in this match (the view answers 404)."""


def _hold(member_id: int, *, now: datetime.datetime) -> Member:
    """Hold the member out of automatic matching; an earlier hold keeps its time."""
    member = Member.objects.select_for_update().get(pk=member_id)
    if not member.held_for_review:
        member.held_for_review, member.held_at = True, now
        member.save(update_fields=["held_for_review", "held_at", "updated_at"])
        # A held member neither accepts nor is asked: their open requests move on.
        matching_services.open_requests_recheck(member_id=member.pk)
    return member


@transaction.atomic
def help_request_create(
    *, member: Member, may_contact: bool | None, how_to_contact: str
) -> HelpRequest:
    """Record that the member asked for help now, hold them, and alert staff after commit.

    Pressing again while their help-now request is still open alerts nobody
    and opens no second request: staff already know. The open request keeps
    the member's latest answers, so staff read their current wishes.
    """
    _hold(member.pk, now=timezone.now())  # locks the member: two presses at once queue here
    how_to_contact = how_to_contact.strip()[:HOW_TO_CONTACT_MAX]
    request = HelpRequest.objects.open_help_now(member.pk).first()
    if request is not None:
        if may_contact is not None:
            request.may_contact = may_contact
        if how_to_contact:
            request.how_to_contact = how_to_contact
        request.save(update_fields=["may_contact", "how_to_contact"])
        return request
    request = HelpRequest.objects.create(
        member_id=member.pk,
        reason=HoldReason.HELP_NOW,
        may_contact=may_contact,
        how_to_contact=how_to_contact,
    )
    transaction.on_commit(lambda: enqueue("safety.alert_staff_of_help_request", request.pk))
    return request


def _alert_after_commit(request: HelpRequest) -> None:
    transaction.on_commit(lambda: enqueue("safety.alert_staff_of_help_request", request.pk))


@transaction.atomic
def peer_concern_raise(
    *, raised_by: Member, match: Match, message_id: int, include_message: bool = False
) -> HelpRequest:
    """Tell staff that a peer's message in `match` worried `raised_by`; hold the peer.

    The hold names the match and the member who raised it; it points to the
    message only when `include_message` is set. A second tap while the hold
    is open alerts nobody again (it may add the message).
    """
    message = (
        Message.objects.filter(pk=message_id, conversation__match=match, removed_at=None)
        .exclude(sender_id=raised_by.pk)
        .first()
    )
    if message is None or raised_by.pk not in (match.newcomer_id, match.mentor_id):
        raise NotTheirMessage
    _hold(message.sender_id, now=timezone.now())
    request = HelpRequest.objects.filter(
        member_id=message.sender_id, match=match, reason=HoldReason.PEER_CONCERN, cleared_at=None
    ).first()
    if request is not None:
        if include_message and request.message_id is None:
            request.message = message
            request.save(update_fields=["message"])
        return request
    request = HelpRequest.objects.create(
        member_id=message.sender_id,
        reason=HoldReason.PEER_CONCERN,
        match=match,
        raised_by=raised_by,
        message=message if include_message else None,
    )
    _alert_after_commit(request)
    return request


def help_request_is_open(*, member: Member) -> bool:
    """Return whether the member has a help-now request staff have not cleared yet."""
    return HelpRequest.objects.open_help_now(member.pk).exists()


def hold_for_concern(*, checkin: CheckIn) -> HelpRequest | None:
    """Hold a check-in's author when the programme says a concern should; staff
    already get the concern's own alert, so no second email goes out."""
    if not SafetySettings.get_solo().hold_on_checkin_concern:
        return None
    now = timezone.now()
    with transaction.atomic():
        _hold(checkin.author_id, now=now)
        return HelpRequest.objects.create(
            member_id=checkin.author_id,
            reason=HoldReason.CHECKIN_CONCERN,
            checkin=checkin,
            staff_alerted_at=now,
        )


@transaction.atomic
def holds_clear(*, help_request_ids: list[int], staff_user: User) -> int:
    """Clear the holds of the members these requests belong to; return how many members.

    Clearing a member clears every open request of theirs, recording who and when.
    """
    member_ids = set(
        HelpRequest.objects.filter(pk__in=help_request_ids).values_list("member_id", flat=True)
    )
    now = timezone.now()
    cleared = 0
    for member in Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk"):
        HelpRequest.objects.filter(member=member, cleared_at=None).update(
            cleared_at=now, cleared_by=staff_user
        )
        if member.held_for_review:
            member.held_for_review, member.held_at = False, None
            member.save(update_fields=["held_for_review", "held_at", "updated_at"])
            cleared += 1
    return cleared


@transaction.atomic
def hold_clear(*, help_request_id: int, staff_user: User, note: str) -> HelpRequest:
    """Clear one hold with the note of what staff did; the member may be matched again.

    Every open hold of the member is cleared with it (one person, one decision),
    each recording who, when and the note.
    """
    note = (note or "").strip()
    if not note:
        raise SafetyError(NOTE_REQUIRED)
    if len(note) > CLEAR_NOTE_MAX:
        raise SafetyError(f"Please keep the note under {CLEAR_NOTE_MAX:,} characters.")
    request = HelpRequest.objects.select_for_update().get(pk=help_request_id)
    if request.cleared_at is not None:
        raise SafetyError(ALREADY_CLEARED)
    member = Member.objects.select_for_update().get(pk=request.member_id)
    now = timezone.now()
    HelpRequest.objects.filter(member=member, cleared_at=None).update(
        cleared_at=now, cleared_by=staff_user, cleared_note=note
    )
    if member.held_for_review:
        member.held_for_review, member.held_at = False, None
        member.save(update_fields=["held_for_review", "held_at", "updated_at"])
    request.refresh_from_db()
    return request


def help_requests_not_yet_alerted() -> list[int]:
    """Return requests made over two minutes ago whose staff alert never went out."""
    cutoff = timezone.now() - datetime.timedelta(minutes=2)
    return list(
        HelpRequest.objects.filter(
            staff_alerted_at=None, created_at__lt=cutoff, cleared_at=None
        ).values_list("pk", flat=True)
    )


# --- Block and report --------------------------------------------------------------

# What the member who blocks or reports is told, on the page and by the API.
BLOCKED = "Done. You won't be suggested or matched with each other again."
REPORTED = "Thank you. Our staff will look at this soon."


@transaction.atomic
def member_block(*, blocker: Member, blocked: Member, reason: str = "") -> Block:
    """Block a member: open requests or matches between the two end at once.

    Blocking again changes nothing: the first block and its reason stay.
    """
    if blocker.pk == blocked.pk:
        raise MatchError("You can't block yourself.")
    try:
        with transaction.atomic():
            block, _ = Block.objects.get_or_create(
                blocker=blocker, blocked=blocked, defaults={"reason": reason.strip()[:300]}
            )
    except IntegrityError:
        # A concurrent block of the same pair won the race.
        block = Block.objects.get(blocker=blocker, blocked=blocked)
    now = timezone.now()
    pair = (
        Match.objects.select_for_update()
        .filter(state__in=OPEN_STATES)
        .filter(newcomer__in=[blocker, blocked], mentor__in=[blocker, blocked])
    )
    for match in pair.filter(state=MatchState.ACTIVE):
        match.state, match.ended_at = MatchState.ENDED, now
        match.ended_by = EndedBy.NEWCOMER if match.newcomer_id == blocker.pk else EndedBy.MENTOR
        match.end_reason = NEUTRAL_END_REASON
        match.save()
    # The newcomer's own block withdraws their request, as withdrawing does; a
    # mentor's block reads to the newcomer as any decline (`open_requests_recheck`):
    # the blocked side sees exactly what an ordinary end shows.
    for match in pair.filter(state__in=REQUEST_STATES, newcomer=blocker):
        match.state, match.decided_at = MatchState.WITHDRAWN, now
        match.save()
    matching_services.open_requests_recheck(member_id=blocked.pk)
    return block


def _alert_staff_of_report(report: Report) -> None:
    transaction.on_commit(lambda: enqueue("matching.alert_staff_of_report", report.pk))


@transaction.atomic
def report_create(*, reporter: Member, reported: Member, text: str, message=None) -> Report:
    """Record a member's concern about a peer and alert staff after commit.

    The report points at the pair's latest match, so staff see its context.
    The same text about the same peer while staff have not acted on it yet is
    a replay (a double tap, a resent form): it returns that report and alerts
    nobody again.

    A report about one `message` (a messaging.Message the peer sent) points at
    that message's match; its text is optional, and reporting the same message
    again while the first report is open is a replay whatever the text.
    """
    text = text.strip()
    if not text and message is None:
        raise MatchError("Please tell us briefly what happened.")
    if len(text) > REPORT_TEXT_MAX:
        raise MatchError(f"Please keep it under {REPORT_TEXT_MAX} characters.")
    if reporter.pk == reported.pk:
        raise MatchError("You can't report yourself.")
    if message is not None and message.sender_id != reported.pk:
        raise MatchError("That message is not theirs.")
    # Two copies of one form arrive one after the other here.
    Member.objects.select_for_update().get(pk=reporter.pk)
    open_reports = Report.objects.filter(
        reporter=reporter, reported=reported, status=ReportStatus.OPEN
    )
    if message is not None:
        replayed = open_reports.filter(message=message).first()
    else:
        replayed = open_reports.filter(text=text, message=None).first()
    if replayed is not None:
        return replayed
    if message is not None:
        match = Match.objects.get(pk=message.conversation.match_id)
    else:
        match = selectors.latest_match_between(reporter, reported)
    report = Report.objects.create(
        reporter=reporter, reported=reported, match=match, message=message, text=text
    )
    _alert_staff_of_report(report)
    return report


def _pause_mentor(member_id: int) -> None:
    mentor = Member.objects.select_for_update().get(pk=member_id)
    if mentor.role != Role.MENTOR:
        raise MatchError("The reported member is not a mentor.")
    mentor.is_paused = True
    mentor.save(update_fields=["is_paused", "updated_at"])
    matching_services.open_requests_recheck(member_id=mentor.pk)


@transaction.atomic
def report_act(*, report_id: int, action: str, staff_user: User) -> Report:
    """Staff act on a report; record which action, who and when."""
    try:
        report = Report.objects.select_for_update().get(pk=report_id)
    except Report.DoesNotExist as exc:
        raise MatchError("This report no longer exists.") from exc
    if action == ReportAction.END_MATCH:
        if report.match_id is None:
            raise MatchError("This report is not about a match.")
        matching_services.match_end(
            match_id=report.match_id, ended_by=EndedBy.STAFF, reason=NEUTRAL_END_REASON
        )
    elif action == ReportAction.BLOCK:
        member_block(
            blocker=report.reporter, blocked=report.reported, reason="Blocked by staff on a report"
        )
    elif action == ReportAction.PAUSE_MENTOR:
        _pause_mentor(report.reported_id)
    elif action != ReportAction.CLOSE:
        raise MatchError("Unknown action.")
    report.status = ReportStatus.CLOSED if action == ReportAction.CLOSE else ReportStatus.ACTED
    report.action = action
    report.acted_by = staff_user
    report.acted_at = timezone.now()
    report.save(update_fields=["status", "action", "acted_by", "acted_at"])
    return report
