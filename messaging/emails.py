"""The "your peer wrote" email: an outbox, batched, outside quiet hours, never while reading.

The flow:

1. `queue_message_email(message)` runs inside the sending transaction
   (`messaging.services.send_message` calls it after saving the message). It
   makes sure the recipient has ONE pending `MessageEmail` row, due at the
   earliest of now and the last email plus the programme's interval, moved out
   of the recipient's quiet hours in their own time zone. A second message
   while a row is pending adds nothing: that is the batching.
2. `claim_due()` (the beat task, every minute) marks due rows as enqueued and
   returns their ids; the task enqueues one send per id. A row enqueued long
   ago and still unsent (a lost message, a dead worker) is returned again.
3. `send_due_email(email_id)` claims the row with a conditional update, then
   sends, defers or cancels it. A second run finds it claimed, sent or
   cancelled and does nothing.

The email names the peer only as `peer_view` allows and carries a link, never
the message text or anything about health.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from checkins import schedule
from checkins.models import CheckinSettings
from checkins.selectors import member_time_zone
from members.models import Member
from members.visibility import peer_view
from peerlink import mail

from .models import Conversation, Message, MessageEmail, MessagingSettings, Participant
from .rules import conversation_is_open

logger = logging.getLogger(__name__)

SUBJECT = "Your peer wrote to you on PeerLink"
# A member whose page checked for new messages this recently is reading now.
READING_SECONDS = 60


def quiet_hours() -> schedule.Cadence:
    """The programme's quiet hours (from the check-in settings): no email then."""
    programme = CheckinSettings.get_solo()
    return schedule.Cadence(quiet_start=programme.quiet_start, quiet_end=programme.quiet_end)


def email_due_at(
    *,
    now: datetime.datetime,
    last_emailed_at: datetime.datetime | None,
    every_minutes: int,
    time_zone: str,
    quiet: schedule.Cadence,
) -> datetime.datetime:
    """When the next email may go: not within `every_minutes` of the last one,
    and never in the recipient's quiet hours (then at the next quiet end)."""
    due = now
    if last_emailed_at is not None:
        due = max(now, last_emailed_at + datetime.timedelta(minutes=every_minutes))
    return schedule.next_allowed(due, time_zone, quiet)


def other_side(conversation: Conversation, member_id: int) -> int:
    match = conversation.match
    return match.mentor_id if member_id == match.newcomer_id else match.newcomer_id


def _pending(conversation_id: int, recipient_id: int):
    return MessageEmail.objects.filter(
        conversation_id=conversation_id,
        recipient_id=recipient_id,
        sent_at__isnull=True,
        cancelled_at__isnull=True,
    )


def queue_message_email(message: Message) -> MessageEmail | None:
    """Make sure the recipient of `message` has one pending "your peer wrote" email.

    Called inside the transaction that saves the message. Return the pending
    row, or None when the recipient turned these emails off or is deleted.
    """
    conversation = message.conversation
    recipient_id = other_side(conversation, message.sender_id)
    return _queue_for(conversation, recipient_id)


def _queue_for(conversation: Conversation, recipient_id: int) -> MessageEmail | None:
    recipient = Member.objects.filter(pk=recipient_id).first()
    if recipient is None or recipient.is_deleted or not recipient.message_emails:
        return None
    with transaction.atomic():
        # Locked until the sending transaction ends, so a worker cancelling
        # this row waits and then sees the new message.
        pending = _pending(conversation.pk, recipient_id).select_for_update().first()
        if pending is not None:
            return pending
        participant, _ = Participant.objects.get_or_create(
            conversation=conversation, member_id=recipient_id
        )
        due_at = email_due_at(
            now=timezone.now(),
            last_emailed_at=participant.last_emailed_at,
            every_minutes=MessagingSettings.get_solo().email_every_minutes,
            time_zone=member_time_zone(recipient),
            quiet=quiet_hours(),
        )
        try:
            with transaction.atomic():
                return MessageEmail.objects.create(
                    conversation=conversation, recipient_id=recipient_id, due_at=due_at
                )
        except IntegrityError:
            # Another message created the pending row meanwhile: one is enough.
            return _pending(conversation.pk, recipient_id).first()


def claim_due(*, now: datetime.datetime | None = None, limit: int = 20_000) -> list[int]:
    """Mark due, pending emails as enqueued and return their ids.

    An email enqueued more than `PEERLINK_REMINDER_REQUEUE_SECONDS` ago and
    still pending is returned again: its message or its worker was lost.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.PEERLINK_REMINDER_REQUEUE_SECONDS)
    with transaction.atomic():
        due = MessageEmail.objects.filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale),
            sent_at__isnull=True,
            cancelled_at__isnull=True,
            due_at__lte=now,
        )
        ids = list(due.order_by("due_at").values_list("pk", flat=True)[:limit])
        MessageEmail.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def _last_from_peer(conversation: Conversation, recipient_id: int) -> int:
    last = (
        Message.objects.filter(conversation=conversation)
        .exclude(sender_id=recipient_id)
        .aggregate(last=Max("pk"))["last"]
    )
    return last or 0


def _cancel(email_id: int, reason: str) -> None:
    MessageEmail.objects.filter(pk=email_id, sent_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    logger.info("Message email %s cancelled: %s", email_id, reason)


def send_due_email(email_id: int) -> bool:
    """Send one pending email once, unless it is no longer wanted. Return whether it went out.

    Cancelled when the recipient has read everything their peer wrote, turned
    these emails off, or can no longer write in the conversation; moved later
    while they are reading it. An SMTP error releases the claim and is raised:
    the row stays pending for the retry or the next tick.
    """
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.PEERLINK_REMINDER_CLAIM_SECONDS)
    claimed = MessageEmail.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale),
        pk=email_id,
        sent_at__isnull=True,
        cancelled_at__isnull=True,
        due_at__lte=now,
    ).update(claimed_at=now)
    if not claimed:
        return False
    email = MessageEmail.objects.select_related(
        "recipient__user", "conversation__match__newcomer", "conversation__match__mentor"
    ).get(pk=email_id)
    conversation, recipient = email.conversation, email.recipient
    participant, _ = Participant.objects.get_or_create(conversation=conversation, member=recipient)
    user = recipient.user
    if recipient.is_deleted or not user.is_active or not user.email:
        _cancel(email_id, "no active account or email address")
        return False
    if not recipient.message_emails:
        _cancel(email_id, "message emails turned off")
        return False
    if not conversation_is_open(conversation.match):
        _cancel(email_id, "conversation no longer open")
        return False
    last_from_peer = _last_from_peer(conversation, recipient.pk)
    if participant.last_read_message_id >= last_from_peer:
        _cancel(email_id, "everything read")
        _requeue_if_unread(conversation, recipient.pk)
        return False
    later = _later_if_reading_or_quiet(participant, member_time_zone(recipient), now)
    if later is not None:
        MessageEmail.objects.filter(pk=email_id).update(
            due_at=later, claimed_at=None, enqueued_at=None
        )
        logger.info("Message email %s moved later: reading or quiet hours", email_id)
        return False
    try:
        _email(email)
    except Exception as exc:
        MessageEmail.objects.filter(pk=email_id).update(claimed_at=None)
        logger.warning("Message email %s not sent: %s", email_id, type(exc).__name__)
        raise
    _record_sent(email_id, participant.pk)
    # A message that arrived while this one was being sent found the row
    # pending; it gets an email of its own, after the interval.
    if _last_from_peer(conversation, recipient.pk) > last_from_peer:
        _queue_for(conversation, recipient.pk)
    return True


def _later_if_reading_or_quiet(
    participant: Participant, time_zone: str, now: datetime.datetime
) -> datetime.datetime | None:
    """When to try again if the member is reading the conversation now, or it is
    their quiet hours (an email held up by a broker outage); None to send now."""
    earliest = now
    seen = participant.last_seen_at
    if seen is not None and now - seen < datetime.timedelta(seconds=READING_SECONDS):
        earliest = seen + datetime.timedelta(seconds=READING_SECONDS + 1)
    later = schedule.next_allowed(earliest, time_zone, quiet_hours())
    return later if later > now else None


def _requeue_if_unread(conversation: Conversation, recipient_id: int) -> None:
    """A message saved just as its email was cancelled still gets one."""
    participant = Participant.objects.get(conversation=conversation, member_id=recipient_id)
    if participant.last_read_message_id < _last_from_peer(conversation, recipient_id):
        _queue_for(conversation, recipient_id)


def _record_sent(email_id: int, participant_id: int) -> None:
    """Record a sent email; if the database dropped the connection meanwhile,
    reconnect once rather than leave the email to be sent again."""

    def record() -> None:
        now = timezone.now()
        with transaction.atomic():
            MessageEmail.objects.filter(pk=email_id).update(sent_at=now)
            Participant.objects.filter(pk=participant_id).update(last_emailed_at=now)

    try:
        record()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning("Message email %s sent; reconnecting to record it", email_id)
        connection.close()
        record()


def _email(email: MessageEmail) -> None:
    site = settings.PEERLINK_SITE_URL.rstrip("/")
    match = email.conversation.match
    recipient = email.recipient
    peer = match.mentor if recipient.pk == match.newcomer_id else match.newcomer
    context = {
        "recipient": recipient,
        "peer_name": peer_view(peer, viewer=recipient, match=match).display_name,
        "conversation_url": site + reverse("messaging:conversation", args=[match.pk]),
        "profile_url": site + reverse("members:profile"),
        "every_minutes": MessagingSettings.get_solo().email_every_minutes,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT,
        body=render_to_string("emails/message_email.txt", context),
        to=[recipient.user.email],
    )
    message.attach_alternative(render_to_string("emails/message_email.html", context), "text/html")
    mail.send(message)
