"""Writes for crisis safety: ask for help, hold a member, clear a hold."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from checkins.models import CheckIn
from matching import services as matching_services
from matching.models import Match
from members.models import Member, User
from messaging.models import Message
from peerlink.queue import enqueue

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
