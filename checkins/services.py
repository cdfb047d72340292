"""Writes for check-ins and their reminders.

The reminder flow, every minute:

1. `reminders_create_due` adds an outbox row for each (match, recipient, slot)
   that has come due (idempotent: the unique key absorbs repeats);
2. `reminders_claim_due` marks due rows as enqueued and returns their ids;
   the beat task enqueues them in batches of ids after commit. A row
   enqueued long ago but never sent (lost message, dead worker) is enqueued
   again;
3. `reminder_send` claims its row with a conditional update, sends, and
   records `sent_at`. A second run finds the row claimed or sent and does
   nothing.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.conf import settings
from django.core import signing
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, MatchState
from members.models import Member
from members.visibility import peer_view
from peerlink import mail
from peerlink.queue import enqueue
from recovery.selectors import offered_to_each as recovery_offered_to_each
from safety.services import hold_for_concern
from steps import services as step_services
from steps.models import AnswerSource, Step

from . import emails, schedule, selectors
from .models import CheckIn, CheckinSettings, Connected, Reminder, ReminderState

logger = logging.getLogger(__name__)

LINK_SALT = "peerlink.checkins.link"


class CheckinError(Exception):
    """A check-in change the rules do not allow; the message is for people."""


# --- Check-ins -------------------------------------------------------------------


@transaction.atomic
def checkin_record(
    *,
    match_id: int,
    author: Member,
    connected: str,
    rating: int | None = None,
    concern: bool = False,
    note: str = "",
    via_link: bool = False,
    step_answers: dict[int, str] | None = None,
    retire_step_ids: tuple[int, ...] | list[int] = (),
    new_step: str = "",
) -> CheckIn:
    """Record one side's check-in on an active match; a concern alerts staff at once.

    The author may also say how each of their steps went, retire steps and add
    one; these are their own steps, never shown to staff with the check-in.
    """
    match = Match.objects.select_for_update().filter(pk=match_id).first()
    if match is None or author.pk not in (match.newcomer_id, match.mentor_id):
        raise CheckinError("This match is not yours.")
    if match.state != MatchState.ACTIVE:
        raise CheckinError("This match has ended, so there is nothing to check in on.")
    if connected not in Connected.values:
        raise CheckinError("Say whether you connected.")
    if rating is not None and not 1 <= rating <= 5:
        raise CheckinError("Choose how it is going on a scale of 1 to 5.")
    checkin = CheckIn.objects.create(
        match=match,
        author=author,
        connected=connected,
        rating=rating,
        concern=concern,
        note=note.strip()[:1000],
        via_link=via_link,
    )
    _record_steps(author, checkin, step_answers or {}, retire_step_ids, new_step)
    if concern:
        hold_for_concern(checkin=checkin)
        transaction.on_commit(lambda: enqueue("checkins.alert_staff_of_concern", checkin.pk))
    return checkin


def _record_steps(author, checkin, answers, retire_ids, new_step) -> None:
    try:
        for step_id in retire_ids:
            step_services.step_retire(member=author, step_id=step_id)
        for step_id, answer in answers.items():
            step_services.step_answer(
                member=author,
                step_id=step_id,
                answer=answer,
                source=AnswerSource.CHECK_IN,
                checkin_id=checkin.pk,
            )
        if new_step:
            step_services.step_create(member=author, text=new_step)
    except Step.DoesNotExist as missing:
        raise CheckinError("That step is not one of yours.") from missing
    except step_services.StepError as error:
        raise CheckinError(str(error)) from error


def link_token(reminder: Reminder) -> str:
    return signing.dumps({"reminder": reminder.pk}, salt=LINK_SALT, compress=True)


def link_reminder(*, token: str) -> Reminder:
    """Return the reminder a signed, expiring, unused check-in link points to.

    Raises CheckinError with a message for the member otherwise. Reads only:
    opening the link (which mail scanners do too) records nothing.
    """
    max_age = datetime.timedelta(days=CheckinSettings.get_solo().link_valid_days)
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise CheckinError("This link has expired. You can still check in from your page.") from exc
    except signing.BadSignature as exc:
        raise CheckinError("This link isn't valid.") from exc
    reminder = Reminder.objects.filter(pk=payload.get("reminder")).first()
    if reminder is None:
        raise CheckinError("This link isn't valid.")
    if reminder.link_used_at is not None:
        raise LinkAlreadyUsed(USED_LINK)
    return reminder


USED_LINK = "This link was already used. Thank you, we have your check-in."


class LinkAlreadyUsed(CheckinError):
    """The check-in this link records is already in: nothing went wrong."""


def checkin_from_link(*, token: str) -> CheckIn:
    """Record "we connected" from a reminder's signed, expiring, single-use link."""
    reminder = link_reminder(token=token)
    with transaction.atomic():
        used = Reminder.objects.filter(pk=reminder.pk, link_used_at=None).update(
            link_used_at=timezone.now()
        )
        if not used:
            raise LinkAlreadyUsed(USED_LINK)
        return checkin_record(
            match_id=reminder.match_id,
            author=reminder.recipient,
            connected=Connected.YES,
            via_link=True,
        )


# --- Reminders -----------------------------------------------------------------


def reminders_create_due(*, now: datetime.datetime | None = None) -> int:
    """Add outbox rows for every reminder slot that has come due; return how many."""
    now = now or timezone.now()
    programme = CheckinSettings.get_solo()
    matches = Match.objects.filter(
        state=MatchState.ACTIVE, decided_at__isnull=False
    ).select_related("newcomer", "mentor", "cadence")
    last_slots = {
        (match_id, recipient_id): last
        for match_id, recipient_id, last in Reminder.objects.filter(match__state=MatchState.ACTIVE)
        .values("match_id", "recipient_id")
        .annotate(last=Max("slot"))
        .values_list("match_id", "recipient_id", "last")
    }
    rows = []
    for match in matches.iterator(chunk_size=2000):
        cadence = selectors.cadence_for(match, programme)
        for recipient in (match.newcomer, match.mentor):
            time_zone = selectors.member_time_zone(recipient)
            # Only the newest due slot gets a reminder: never send a backlog.
            newest = schedule.next_slot(match.decided_at, now, time_zone, cadence)[0] - 1
            if newest > last_slots.get((match.pk, recipient.pk), -1):
                due_at = schedule.slot_due_at(match.decided_at, newest, time_zone, cadence)
                rows.append(Reminder(match=match, recipient=recipient, slot=newest, due_at=due_at))
    Reminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def reminders_claim_due(*, now: datetime.datetime | None = None, limit: int = 20_000) -> list[int]:
    """Mark due, unsent reminders as enqueued and return their ids.

    A reminder enqueued more than `PEERLINK_REMINDER_REQUEUE_SECONDS` ago and
    still unsent is returned again: its message or its worker was lost.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.PEERLINK_REMINDER_REQUEUE_SECONDS)
    with transaction.atomic():
        due = Reminder.objects.filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale),
            state=ReminderState.DUE,
            due_at__lte=now,
        )
        ids = list(due.order_by("due_at").values_list("pk", flat=True)[:limit])
        Reminder.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids


def reminder_snooze(*, reminder_id: int, member: Member) -> Reminder:
    """Move one unsent reminder to tomorrow (outside quiet hours); once per reminder."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update().filter(pk=reminder_id, recipient=member).first()
        )
        if reminder is None:
            raise CheckinError("This reminder is not yours.")
        if reminder.state != ReminderState.DUE or reminder.sent_at:
            raise CheckinError("This reminder has already gone out.")
        if reminder.snoozed:
            raise CheckinError("You have already snoozed this reminder once.")
        programme = CheckinSettings.get_solo()
        cadence = selectors.cadence_for(reminder.match, programme)
        base = max(timezone.now(), reminder.due_at) + datetime.timedelta(days=1)
        reminder.due_at = schedule.next_allowed(base, selectors.member_time_zone(member), cadence)
        reminder.snoozed = True
        reminder.enqueued_at = None
        reminder.save(update_fields=["due_at", "snoozed", "enqueued_at"])
        return reminder


def _skip(reminder_id: int, reason: str) -> None:
    Reminder.objects.filter(pk=reminder_id).update(state=ReminderState.SKIPPED, last_error=reason)
    logger.info("Reminder %s skipped: %s", reminder_id, reason)


def reminder_send(*, reminder_id: int) -> bool:
    """Send one reminder once. Return whether an email went out now."""
    sent, _ = reminders_send(reminder_ids=[reminder_id])
    return sent == 1


def reminders_send(
    *, reminder_ids: list[int], seconds: float | None = None
) -> tuple[int, list[int]]:
    """Send each reminder once, in order; return how many went out now and the
    ids not reached within `seconds`.

    Each reminder is claimed by a conditional update just before it is sent: a
    second worker running the same id (a redelivered message, a duplicate
    enqueue) finds it claimed or sent and moves on. A claim older than the
    task's hard time limit belongs to a dead worker and may be taken over. An
    SMTP error releases the failing reminder's claim and is raised: that one
    and the rest are still due, for the retry or the next tick.

    One statement records each sent reminder and claims the next, so at any
    moment at most one reminder of the batch is claimed and not yet recorded:
    a worker killed mid-batch leaves at most that one in doubt. The email's
    templates are rendered once for the batch.
    """
    started = time.monotonic()
    reminders = selectors.reminders_to_send(reminder_ids)
    offered = recovery_offered_to_each([reminder.recipient for reminder in reminders])
    site = settings.PEERLINK_SITE_URL.rstrip("/")
    messages = emails.ReminderEmails(snooze_url=site + reverse("checkins:upcoming"))
    sent, unrecorded = 0, None
    for position, reminder in enumerate(reminders):
        # At least one per call, so a batch always moves on.
        if position and seconds is not None and time.monotonic() - started > seconds:
            _record_and_claim(sent_id=unrecorded, claim_id=None)
            return sent, [r.pk for r in reminders[position:]]
        claimed = _record_and_claim(sent_id=unrecorded, claim_id=reminder.pk)
        unrecorded = None
        if claimed and _send_claimed(reminder, messages, site, reminder.recipient_id in offered):
            sent, unrecorded = sent + 1, reminder.pk
    _record_and_claim(sent_id=unrecorded, claim_id=None)
    return sent, []


def _send_claimed(reminder: Reminder, messages: emails.ReminderEmails, site, offered) -> bool:
    """Send a claimed reminder; return whether it went out (and is to be recorded)."""
    user = reminder.recipient.user
    if reminder.match.state != MatchState.ACTIVE:
        _skip(reminder.pk, "match no longer active")
        return False
    if not user.is_active or not user.email:
        _skip(reminder.pk, "no active account or email address")
        return False
    try:
        mail.send(messages.message(_content(reminder, site, offered)))
    except Exception as exc:
        # Release the claim so the retry (or the next tick) can send it.
        Reminder.objects.filter(pk=reminder.pk).update(
            claimed_at=None, last_error=type(exc).__name__[:200]
        )
        logger.warning("Reminder %s not sent: %s", reminder.pk, type(exc).__name__)
        raise
    return True


def _record_and_claim(*, sent_id: int | None, claim_id: int | None) -> bool:
    """Record reminder `sent_id` as sent and claim reminder `claim_id`, in one
    statement; return whether `claim_id` is now this worker's to send.

    If the database dropped the connection meanwhile, reconnect once rather
    than leave the sent reminder to be sent again.
    """
    if sent_id is None and claim_id is None:
        return False
    now = timezone.now()
    try:
        return _update(sent_id=sent_id, claim_id=claim_id, now=now)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        if sent_id is not None:
            logger.warning("Reminder %s sent; reconnecting to record it", sent_id)
        else:
            logger.warning("Reconnecting to claim reminder %s", claim_id)
        connection.close()
        # The lost statement may have claimed `claim_id` already: at `now`, a
        # moment no other worker's claim carries.
        return _update(sent_id=sent_id, claim_id=claim_id, now=now, own_claim=True)


def _update(*, sent_id: int | None, claim_id: int | None, now, own_claim: bool = False) -> bool:
    stale = now - datetime.timedelta(seconds=settings.PEERLINK_REMINDER_CLAIM_SECONDS)
    # Written out: the ORM takes longer to compose this statement than the
    # database takes to run it, and it runs once per reminder.
    table = connection.ops.quote_name(Reminder._meta.db_table)
    own = "OR claimed_at = %(now)s" if own_claim else ""
    sql = f"""
        UPDATE {table} SET
            state = CASE WHEN id = %(sent)s THEN %(sent_state)s ELSE state END,
            sent_at = CASE WHEN id = %(sent)s THEN %(now)s ELSE sent_at END,
            last_error = CASE WHEN id = %(sent)s THEN '' ELSE last_error END,
            claimed_at = CASE WHEN id = %(claim)s THEN %(now)s ELSE claimed_at END,
            attempts = CASE WHEN id = %(claim)s THEN attempts + 1 ELSE attempts END
        WHERE id = %(sent)s OR (
            id = %(claim)s AND state = %(due_state)s
            AND (claimed_at IS NULL OR claimed_at < %(stale)s {own})
        )
    """
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                # No row has id NULL: a missing id matches nothing.
                "sent": sent_id,
                "claim": claim_id,
                "sent_state": ReminderState.SENT.value,
                "due_state": ReminderState.DUE.value,
                "now": adapt(now),
                "stale": adapt(stale),
            },
        )
        updated = cursor.rowcount
    # The sent row is gone only if its member deleted their account meanwhile;
    # then a claim made here is left to go stale, and the reminder goes later.
    return claim_id is not None and updated == (2 if sent_id is not None else 1)


def _content(reminder: Reminder, site: str, offered: bool) -> emails.ReminderContent:
    match = reminder.match
    peer = match.mentor if reminder.recipient_id == match.newcomer_id else match.newcomer
    return emails.ReminderContent(
        to=reminder.recipient.user.email,
        recipient_name=reminder.recipient.display_name,
        peer_name=peer_view(peer, viewer=reminder.recipient, match=match).name_in_sentence,
        connected_url=site + reverse("checkins:link", args=[link_token(reminder)]),
        checkin_url=site + reverse("checkins:new", args=[match.pk]),
        check_offered=offered,
    )


@transaction.atomic
def concern_acknowledge(*, checkin_id: int, staff_user) -> CheckIn:
    """Staff acknowledge a check-in's concern, recording who and when."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin_id, concern=True)
    if checkin.concern_acknowledged_at is not None:
        raise CheckinError("This concern was already acknowledged.")
    checkin.concern_acknowledged_by = staff_user
    checkin.concern_acknowledged_at = timezone.now()
    checkin.save(update_fields=["concern_acknowledged_by", "concern_acknowledged_at"])
    return checkin


def concerns_not_yet_alerted() -> list[int]:
    """Return concerns raised over two minutes ago whose staff alert never went out."""
    cutoff = timezone.now() - datetime.timedelta(minutes=2)
    return list(
        CheckIn.objects.filter(
            concern=True, staff_alerted_at=None, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
