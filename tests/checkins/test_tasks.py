"""The reminder sender task against a real SMTP server on 127.0.0.1: batches,
one connection per batch, refusals retried without sending anything twice."""

import datetime
import email

import pytest
import time_machine

from checkins import services, tasks
from checkins.models import Reminder, ReminderState
from matching import services as matching_services
from peerlink import mail
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture
def due_reminder_ids():
    """Six due reminders: three active matches, a week old, two people each."""
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            mentor = MentorFactory(time_zone="Europe/London")
            request = matching_services.match_request(
                newcomer=NewcomerFactory(time_zone="Europe/London"),
                mentor_ids=[mentor.pk],
                user=None,
            )
            matching_services.match_accept(match_id=request.pk, mentor=mentor)
    with time_machine.travel(START + datetime.timedelta(days=7, hours=1), tick=False):
        services.reminders_create_due()
        return services.reminders_claim_due()


@pytest.fixture
def retries_run_at_once(monkeypatch):
    """Tasks fail as on a worker (not into the caller), and their retries run at
    once, without the back-off."""
    from peerlink.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def recipients_of(sink) -> list[str]:
    return sorted(email.message_from_bytes(m.raw)["To"] for m in sink.messages())


def test_a_batch_sends_each_reminder_once_over_one_connection(smtp, due_reminder_ids):
    assert len(due_reminder_ids) == 6
    assert tasks.send_reminders.delay(due_reminder_ids).get() == 6
    assert tasks.send_reminders.delay(due_reminder_ids).get() == 0  # a redelivered message

    expected = sorted(r.recipient.user.email for r in Reminder.objects.all())
    assert recipients_of(smtp) == expected
    assert len({m.session for m in smtp.messages()}) == 1
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENT}


def test_an_idle_connection_is_not_reused(smtp, due_reminder_ids, monkeypatch):
    monkeypatch.setattr(mail, "IDLE_SECONDS", -1.0)
    tasks.send_reminders.delay(due_reminder_ids[:3]).get()
    assert len({m.session for m in smtp.messages()}) == 3


@pytest.mark.usefixtures("retries_run_at_once")
def test_a_refusal_mid_batch_is_retried_and_nothing_goes_twice(smtp, due_reminder_ids):
    smtp.refuse_first = 2  # the first two attempts get "451 try again later"
    result = tasks.send_reminders.delay(due_reminder_ids)

    assert result.successful() and result.get() == 6
    assert smtp.refused == 2
    assert recipients_of(smtp) == sorted(r.recipient.user.email for r in Reminder.objects.all())
    first = Reminder.objects.get(pk=due_reminder_ids[0])
    assert first.attempts == 3 and first.state == ReminderState.SENT and first.last_error == ""
    assert set(Reminder.objects.exclude(pk=first.pk).values_list("attempts", flat=True)) == {1}


def test_a_long_batch_hands_the_rest_on_and_still_sends_each_once(
    smtp, due_reminder_ids, monkeypatch
):
    monkeypatch.setattr(tasks, "BATCH_SECONDS", 0.0)  # one reminder per message
    sent = []
    original = tasks.send_reminders.run

    def recording(reminder_ids):
        sent.append(list(reminder_ids))
        return original(reminder_ids)

    monkeypatch.setattr(tasks.send_reminders, "run", recording)
    tasks.send_reminders.delay(due_reminder_ids)

    assert sent == [due_reminder_ids[i:] for i in range(6)]
    assert smtp.count() == 6


@pytest.mark.usefixtures("retries_run_at_once")
def test_a_server_that_is_down_keeps_every_reminder_for_the_next_tick(settings, due_reminder_ids):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    result = tasks.send_reminders.delay(due_reminder_ids)
    assert result.failed() and isinstance(result.result, ConnectionRefusedError)
    reminders = Reminder.objects.all()
    assert {r.state for r in reminders} == {ReminderState.DUE}
    assert {r.claimed_at for r in reminders} == {None}
    # Five retries after the first try, then the task gives up; the tick re-enqueues.
    assert Reminder.objects.get(pk=due_reminder_ids[0]).attempts == 6


def test_a_server_that_stops_answering_times_out_and_keeps_the_reminder(
    smtp, settings, due_reminder_ids, caplog
):
    settings.EMAIL_TIMEOUT = 1
    smtp.delay = 3  # answers DATA after three seconds: too late
    with pytest.raises(OSError):
        services.reminders_send(reminder_ids=due_reminder_ids)
    first = Reminder.objects.get(pk=due_reminder_ids[0])
    assert first.state == ReminderState.DUE and first.claimed_at is None
    assert first.last_error in {"TimeoutError", "SMTPServerDisconnected"}
    assert Reminder.objects.filter(attempts=0).count() == 5  # the rest were never tried
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"Reminder {first.pk} not sent" in logged and "@" not in logged
