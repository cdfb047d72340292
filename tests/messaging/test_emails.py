"""The "your peer wrote" email: batching, quiet hours, not while reading, opt-out,
nothing private in it, and an outbox that survives a broker outage."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from checkins.models import CheckinSettings
from matching.models import Block, MatchState
from messaging import emails, tasks
from messaging.models import MessageEmail, MessagingSettings, Participant
from tests.factories import MentorFactory, NewcomerFactory, tag
from tests.messaging.helpers import conversation, read_all, write

pytestmark = pytest.mark.django_db

# A Wednesday in winter: noon in New York (UTC-5), 17:00 in London (UTC).
NOON_UTC = datetime.datetime(2026, 12, 2, 17, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """Run the beat task at `when`: it enqueues due emails, which run at once (eager)."""

    def run(when: datetime.datetime) -> int:
        with (
            time_machine.travel(when, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return tasks.email_tick()

    return run


@pytest.fixture
def pair():
    """A newcomer in London and a mentor in New York, matched, with a conversation."""
    conv = conversation(
        newcomer=NewcomerFactory(time_zone="Europe/London"),
        mentor=MentorFactory(time_zone="America/New_York"),
    )
    return conv, conv.match.newcomer, conv.match.mentor


def emails_to(member) -> list:
    return [m for m in mail.outbox if m.to == [member.user.email]]


def test_messages_within_the_interval_make_one_email_and_later_ones_another(pair, tick):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer, "First")
    tick(NOON_UTC + MINUTE)
    assert len(emails_to(mentor)) == 1
    assert emails_to(mentor)[0].subject == "Your peer wrote to you on PeerLink"

    with time_machine.travel(NOON_UTC + 5 * MINUTE, tick=False):
        write(conv, newcomer, "Second")
    with time_machine.travel(NOON_UTC + 20 * MINUTE, tick=False):
        write(conv, newcomer, "Third")
    assert MessageEmail.objects.filter(sent_at=None, cancelled_at=None).count() == 1
    tick(NOON_UTC + 10 * MINUTE)
    tick(NOON_UTC + 30 * MINUTE)
    assert len(emails_to(mentor)) == 1, "at most one email every 30 minutes"

    tick(NOON_UTC + 31 * MINUTE)
    assert len(emails_to(mentor)) == 2, "after 30 minutes the waiting messages get one email"
    tick(NOON_UTC + 90 * MINUTE)
    assert len(emails_to(mentor)) == 2
    assert emails_to(newcomer) == []
    participant = Participant.objects.get(conversation=conv, member=mentor)
    assert participant.last_emailed_at == NOON_UTC + 31 * MINUTE


def test_the_interval_is_the_programme_setting(pair, tick):
    conv, newcomer, mentor = pair
    MessagingSettings.objects.update_or_create(pk=1, defaults={"email_every_minutes": 5})
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    tick(NOON_UTC)
    with time_machine.travel(NOON_UTC + MINUTE, tick=False):
        write(conv, newcomer)
    tick(NOON_UTC + 4 * MINUTE)
    assert len(emails_to(mentor)) == 1
    tick(NOON_UTC + 5 * MINUTE)
    assert len(emails_to(mentor)) == 2


def test_a_message_at_23_local_is_emailed_when_quiet_hours_end(pair, tick):
    conv, newcomer, mentor = pair  # the mentor is in New York, quiet 21:00-08:00
    eleven_pm_new_york = datetime.datetime(2026, 12, 3, 4, 0, tzinfo=datetime.UTC)
    eight_am_new_york = datetime.datetime(2026, 12, 3, 13, 0, tzinfo=datetime.UTC)
    with time_machine.travel(eleven_pm_new_york, tick=False):
        write(conv, newcomer, "Are you awake?")
    assert MessageEmail.objects.get(recipient=mentor).due_at == eight_am_new_york

    tick(eleven_pm_new_york + MINUTE)
    tick(eight_am_new_york - MINUTE)
    assert emails_to(mentor) == []
    tick(eight_am_new_york)
    assert len(emails_to(mentor)) == 1


def test_quiet_hours_are_the_programmes(pair):
    conv, newcomer, mentor = pair
    CheckinSettings.objects.update_or_create(
        pk=1, defaults={"quiet_start": datetime.time(22), "quiet_end": datetime.time(7, 30)}
    )
    eleven_pm_new_york = datetime.datetime(2026, 12, 3, 4, 0, tzinfo=datetime.UTC)
    with time_machine.travel(eleven_pm_new_york, tick=False):
        write(conv, newcomer)
    due = MessageEmail.objects.get(recipient=mentor).due_at
    assert due == datetime.datetime(2026, 12, 3, 12, 30, tzinfo=datetime.UTC)


def test_no_email_while_the_member_is_reading(pair, tick):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
        # The mentor's page asked "anything new?" 10 seconds ago, before this message.
        Participant.objects.filter(conversation=conv, member=mentor).update(
            last_seen_at=NOON_UTC - datetime.timedelta(seconds=10)
        )
    tick(NOON_UTC + datetime.timedelta(seconds=20))
    assert emails_to(mentor) == []
    row = MessageEmail.objects.get(recipient=mentor)
    assert row.sent_at is None and row.cancelled_at is None
    assert row.due_at > NOON_UTC + datetime.timedelta(seconds=20)

    # Their page then shows the message: it is read, so no email ever goes.
    with time_machine.travel(NOON_UTC + datetime.timedelta(seconds=30), tick=False):
        read_all(conv, mentor)
    tick(NOON_UTC + 5 * MINUTE)
    assert emails_to(mentor) == []
    assert MessageEmail.objects.get(recipient=mentor).cancelled_at is not None


def test_a_member_who_left_the_page_without_reading_is_emailed_a_minute_later(pair, tick):
    conv, newcomer, mentor = pair
    Participant.objects.filter(conversation=conv, member=mentor).update(last_seen_at=NOON_UTC)
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    tick(NOON_UTC + 30 * datetime.timedelta(seconds=1))
    assert emails_to(mentor) == []
    tick(NOON_UTC + 2 * MINUTE)
    assert len(emails_to(mentor)) == 1


def test_no_email_when_everything_is_already_read(pair, tick):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    read_all(conv, mentor)
    Participant.objects.filter(conversation=conv, member=mentor).update(last_seen_at=None)
    tick(NOON_UTC + 5 * MINUTE)
    assert emails_to(mentor) == []


def test_a_member_who_turned_message_emails_off_gets_none(pair, tick):
    conv, newcomer, mentor = pair
    mentor.message_emails = False
    mentor.save()
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    assert not MessageEmail.objects.exists()
    tick(NOON_UTC + MINUTE)
    assert emails_to(mentor) == []


def test_turning_emails_off_cancels_the_one_waiting(pair, tick):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    mentor.message_emails = False
    mentor.save()
    tick(NOON_UTC + MINUTE)
    assert emails_to(mentor) == []
    assert MessageEmail.objects.get(recipient=mentor).cancelled_at is not None


@pytest.mark.parametrize("ending", ["ended", "blocked"])
def test_no_email_once_the_conversation_is_closed(pair, tick, ending):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    if ending == "ended":
        conv.match.state = MatchState.ENDED
        conv.match.save()
    else:
        Block.objects.create(blocker=mentor, blocked=newcomer)
    tick(NOON_UTC + MINUTE)
    assert emails_to(mentor) == []


def test_the_email_carries_no_message_text_and_nothing_about_health(tick):
    newcomer = NewcomerFactory(
        display_name="Quinn Marker",
        share_display_name=False,
        share_substances=True,
        tags=[tag("substance-alcohol")],
    )
    newcomer.recovery_goal = "abstinence"
    newcomer.save()
    conv = conversation(newcomer=newcomer)
    mentor = conv.match.mentor
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer, "MARKER-7f3a I relapsed on alcohol last night, overdose scare")
    tick(NOON_UTC + MINUTE)

    [sent] = emails_to(mentor)
    whole = sent.subject + sent.body + "".join(body for body, _ in sent.alternatives)
    assert "MARKER-7f3a" not in whole
    for private in ("relapse", "alcohol", "overdose", "Quinn", "abstinence", "recovery"):
        assert private.lower() not in whole.lower()
    assert "A peer wrote to you on PeerLink" in sent.body, "the name is not shared"
    assert f"/messages/{conv.match.pk}/" in sent.body


def test_the_email_names_a_peer_who_shares_their_name(pair, tick):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, mentor)
    tick(NOON_UTC + MINUTE)
    [sent] = emails_to(newcomer)
    assert f"{mentor.display_name} wrote to you on PeerLink" in sent.body


def test_a_repeated_send_task_sends_once(pair):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    with time_machine.travel(NOON_UTC + MINUTE, tick=False):
        [email_id] = emails.claim_due()
        assert tasks.send_message_email(email_id) is True
        assert tasks.send_message_email(email_id) is False
    assert len(emails_to(mentor)) == 1


def test_a_message_sent_while_its_email_goes_out_gets_its_own_later(pair, tick, monkeypatch):
    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    real_email = emails._email

    def email_and_meanwhile_a_message(row):
        real_email(row)
        write(conv, newcomer, "Sent while the email was on its way")

    monkeypatch.setattr(emails, "_email", email_and_meanwhile_a_message)
    tick(NOON_UTC + MINUTE)
    monkeypatch.setattr(emails, "_email", real_email)
    pending = MessageEmail.objects.get(recipient=mentor, sent_at=None, cancelled_at=None)
    assert pending.due_at >= NOON_UTC + 31 * MINUTE
    tick(NOON_UTC + 40 * MINUTE)
    assert len(emails_to(mentor)) == 2


def test_the_outbox_keeps_emails_through_a_broker_outage(
    pair, tick, monkeypatch, unreachable_broker, settings
):
    from peerlink.celery import app as celery_app

    conv, newcomer, mentor = pair
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    assert tick(NOON_UTC + MINUTE) == 1  # claimed, but the broker refused it
    row = MessageEmail.objects.get(recipient=mentor)
    assert row.sent_at is None and row.enqueued_at is not None
    assert emails_to(mentor) == []

    # The broker is back; the next ticks re-enqueue what was lost, once it is stale.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    tick(NOON_UTC + 2 * MINUTE)
    assert emails_to(mentor) == []
    stale = datetime.timedelta(seconds=settings.PEERLINK_REMINDER_REQUEUE_SECONDS + 1)
    tick(NOON_UTC + MINUTE + stale)
    tick(NOON_UTC + MINUTE + 2 * stale)
    assert len(emails_to(mentor)) == 1


def test_a_deleted_recipient_gets_no_email(pair, tick):
    from members.services import delete_account

    conv, newcomer, mentor = pair
    delete_account(member=mentor)
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    tick(NOON_UTC + MINUTE)
    assert not MessageEmail.objects.filter(recipient=mentor).exists()
    assert all(m.subject != emails.SUBJECT for m in mail.outbox)


def test_due_time_is_a_pure_function_of_its_inputs():
    quiet = emails.schedule.Cadence(quiet_start=datetime.time(21), quiet_end=datetime.time(8))
    due = emails.email_due_at(
        now=NOON_UTC,
        last_emailed_at=NOON_UTC - 10 * MINUTE,
        every_minutes=30,
        time_zone="Europe/London",
        quiet=quiet,
    )
    assert due == NOON_UTC + 20 * MINUTE
    late = datetime.datetime(2026, 12, 2, 20, 50, tzinfo=datetime.UTC)
    due = emails.email_due_at(
        now=late, last_emailed_at=late, every_minutes=30, time_zone="Europe/London", quiet=quiet
    )
    assert due == datetime.datetime(2026, 12, 3, 8, 0, tzinfo=datetime.UTC)


def test_an_smtp_refusal_keeps_the_email_for_the_retry_and_sends_it_once(pair, settings):
    import smtplib

    from peerlink import mail as kept_mail
    from tests.smtp import running_sink

    conv, newcomer, mentor = pair
    with time_machine.travel(NOON_UTC, tick=False):
        write(conv, newcomer)
    with running_sink() as sink, time_machine.travel(NOON_UTC + MINUTE, tick=False):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 5
        sink.refuse_first = 1
        [email_id] = emails.claim_due()
        with pytest.raises(smtplib.SMTPException):
            emails.send_due_email(email_id)
        row = MessageEmail.objects.get(pk=email_id)
        assert row.claimed_at is None and row.sent_at is None
        assert emails.send_due_email(email_id) is True
        assert emails.send_due_email(email_id) is False
        kept_mail.close()
        assert sink.count() == 1
