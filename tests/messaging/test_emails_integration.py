"""The "your peer wrote" emails with real processes: Celery beat and a worker, SMTP, the database.

Beat runs `messaging.email_tick` every second on django-celery-beat's database
scheduler; the worker sends through SMTP to a sink in this process that
records every message it accepts. An email is identified by its recipient and
the conversation link in it, so duplicates are counted per batch. The worker
and beat processes are the reminders' (tests/checkins/test_reminders_integration.py):
a queue of their own, the deployment's settings, email to the sink.
"""

from __future__ import annotations

import collections
import datetime
import email
import os
import re
import signal
import time

import pytest
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from checkins.models import CheckinSettings
from messaging.emails import SUBJECT
from messaging.models import MessageEmail, Participant
from tests.celery_processes import ZONES, forget_queue, wait_for
from tests.checkins.test_reminders_integration import BROKER_URL, Processes
from tests.factories import MentorFactory, NewcomerFactory
from tests.messaging.helpers import conversation, write
from tests.smtp import running_sink

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_transactional_db", "message_emails_every_second"),
]

LINK = re.compile(r"/messages/(\d+)/")
MARKER = "MARKER-c41e"


@pytest.fixture
def sink():
    with running_sink() as started:
        yield started


@pytest.fixture
def processes(tmp_path, sink):
    started = Processes(tmp_path, sink.port)
    try:
        yield started
    finally:
        started.stop_all()
        forget_queue(BROKER_URL, started.queue)


@pytest.fixture
def message_emails_every_second(seeded_transactional_db):
    """No quiet hours, and beat runs the message email tick every second, nothing else."""
    CheckinSettings.objects.update_or_create(
        pk=1, defaults={"quiet_start": datetime.time(0), "quiet_end": datetime.time(0)}
    )
    PeriodicTask.objects.update(enabled=False)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Send due message emails",
        defaults={"task": "messaging.email_tick", "interval": every_second, "enabled": True},
    )


def received(sink) -> collections.Counter:
    """How many emails each (match id, recipient address) received."""
    found = collections.Counter()
    for accepted in sink.messages():
        parsed = email.message_from_bytes(accepted.raw)
        assert parsed["Subject"] == SUBJECT
        text = next(
            part.get_payload(decode=True).decode()
            for part in parsed.walk()
            if part.get_content_type() == "text/plain"
        )
        assert MARKER not in accepted.raw.decode(errors="replace")
        found[(int(LINK.search(text).group(1)), accepted.recipients)] += 1
    return found


def conversations(count: int) -> list:
    convs = []
    for i in range(count):
        convs.append(
            conversation(
                newcomer=NewcomerFactory(time_zone=ZONES[i % len(ZONES)]),
                mentor=MentorFactory(time_zone=ZONES[(i + 3) % len(ZONES)]),
            )
        )
    return convs


def write_batch(convs, *, sender: str) -> set:
    """Two messages from `sender` in each conversation; return the expected (match, to) keys."""
    expected = set()
    for conv in convs:
        author = getattr(conv.match, sender)
        reader = conv.match.mentor if sender == "newcomer" else conv.match.newcomer
        with transaction.atomic():
            write(conv, author, f"{MARKER} first")
        with transaction.atomic():
            write(conv, author, f"{MARKER} second")
        expected.add((conv.match.pk, (reader.user.email,)))
    return expected


def all_sent(sink, expected: set):
    def check():
        return (
            set(received(sink)) >= expected
            and not MessageEmail.objects.filter(
                sent_at=None, cancelled_at=None, due_at__lte=timezone.now()
            ).exists()
        )

    return check


def test_each_batch_of_messages_arrives_as_exactly_one_email(sink, processes):
    convs = conversations(15)
    first = write_batch(convs, sender="newcomer") | write_batch(convs, sender="mentor")
    assert MessageEmail.objects.count() == 30, "one pending email per conversation and side"
    processes.worker(concurrency=2)
    processes.beat()

    assert wait_for(all_sent(sink, first), timeout=90), processes.logs()
    time.sleep(3)  # a few more ticks: nothing is sent again
    counts = received(sink)
    assert set(counts) == first
    assert set(counts.values()) == {1}, f"duplicates: {counts}"

    # Within the interval, new messages wait; once it has passed, one more email each.
    waiting = write_batch(convs[:5], sender="newcomer")
    Participant.objects.filter(conversation__in=convs[5:]).update(
        last_emailed_at=timezone.now() - datetime.timedelta(minutes=31)
    )
    second = write_batch(convs[5:], sender="mentor")
    assert wait_for(lambda: set(received(sink)) >= first | second, timeout=60), processes.logs()
    time.sleep(3)
    counts = received(sink)
    for key in second:
        assert counts[key] == 2
    for key in waiting:
        assert counts[key] == 1, "the 30-minute interval holds the second email back"
    assert sum(counts.values()) == len(first) + len(second)

    # The worker and beat log at INFO, task arguments included: ids, never text or a person.
    logs = processes.full_logs()
    assert "send_message_email" in logs
    assert MARKER not in logs
    for conv in convs:
        for member in (conv.match.newcomer, conv.match.mentor):
            assert member.user.email not in logs


def test_a_killed_worker_loses_no_email_and_sends_none_twice(sink, processes):
    convs = conversations(60)
    expected = write_batch(convs, sender="newcomer")
    sink.delay = 0.05
    worker = processes.worker(concurrency=2)
    processes.beat()
    assert wait_for(lambda: len(received(sink)) >= 10, timeout=60), processes.logs()
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its pool children
    worker.wait(timeout=10)
    delivered_at_kill = len(received(sink))
    in_flight = MessageEmail.objects.filter(sent_at=None, claimed_at__isnull=False).count()
    assert delivered_at_kill < 60, "the worker was killed too late to test anything"

    processes.worker(concurrency=2)
    assert wait_for(all_sent(sink, expected), timeout=90), processes.logs()
    time.sleep(3)
    counts = received(sink)
    assert set(counts) == expected
    duplicates = [key for key, n in counts.items() if n > 1]
    assert in_flight <= 2  # concurrency 2, prefetch multiplier 1
    assert len(duplicates) <= in_flight
