"""The reminder pipeline with real processes: Celery beat and a worker, SMTP, the database.

Beat ticks (every second here) on django-celery-beat's database scheduler; the
worker runs `checkins.tick` and `checkins.send_reminders` on the configured
broker (Redis in CI, else the embedded one) against the test database, and
sends through SMTP to a sink in this process that records every message it
accepts. A message is identified by the reminder id in its signed "we
connected" link, so duplicates are counted per reminder. Each test's beat and
worker use a queue of their own, so no other worker on the broker takes its
messages. The Redis test stops and restarts a Redis server of its own.

The worker and beat need committed rows in a database they can open: on
SQLite the test settings keep the test database in a file. CI runs these tests
twice: on PostgreSQL and Redis, and on SQLite and the embedded broker.
"""

from __future__ import annotations

import collections
import datetime
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import factory
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from checkins.models import CheckinSettings, Reminder, ReminderState
from matching import services as matching_services
from matching.models import Match
from tests.celery_processes import (
    ZONES,
    database_url,
    forget_queue,
    reminder_id_in,
    start_celery,
    stop,
    wait_for,
)
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.smtp import SmtpSink, free_port, running_sink

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_transactional_db", "due_reminders_every_second"),
]

BROKER_URL = settings.CELERY_BROKER_URL
# Recovery after a lost message or a dead worker's claim, in seconds (300 and 120 in production).
RECOVERY_SECONDS = 5


# --- The SMTP sink ---------------------------------------------------------------


def counts(sink: SmtpSink) -> collections.Counter:
    """How many times each reminder arrived."""
    return collections.Counter(reminder_id_in(m.raw) for m in sink.messages())


def recipients(sink: SmtpSink) -> dict[int | None, set[tuple[str, ...]]]:
    found = collections.defaultdict(set)
    for message in sink.messages():
        found[reminder_id_in(message.raw)].add(message.recipients)
    return found


@pytest.fixture
def sink():
    with running_sink() as started:
        yield started


# --- Worker and beat processes ---------------------------------------------------


class Processes:
    """Start Celery worker and beat processes, each in its own process group."""

    def __init__(self, folder: Path, smtp_port: int):
        self.folder = folder
        self.queue = f"reminders-{uuid.uuid4().hex[:8]}"
        self.started: list[tuple[subprocess.Popen, Path]] = []
        self.env = {
            **os.environ,
            # The settings a deployment's worker runs with (never eager): the test
            # settings would keep email in memory. EMAIL_URL points at the sink.
            "DJANGO_SETTINGS_MODULE": "peerlink.settings.base",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(connection.settings_dict),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            # The embedded broker's folders (when CELERY_BROKER_URL is unset): this
            # test's own, so no other worker on the machine takes its messages.
            "PEERLINK_VAR_DIR": str(folder),
            "PEERLINK_REMINDER_REQUEUE_SECONDS": str(RECOVERY_SECONDS),
            "PEERLINK_REMINDER_CLAIM_SECONDS": str(RECOVERY_SECONDS),
        }

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen:
        log_path = self.folder / f"{name}.log"
        process = start_celery(arguments, queue=self.queue, env=self.env, log_path=log_path)
        self.started.append((process, log_path))
        return process

    def worker(self, concurrency: int = 2) -> subprocess.Popen:
        name = f"worker-{len(self.started)}"
        return self._start(
            name,
            [
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--hostname={self.queue}-{len(self.started)}@localhost",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def beat(self) -> subprocess.Popen:
        # django-celery-beat's DatabaseScheduler (settings): the schedule is in the database.
        return self._start("beat", ["beat", "--loglevel=INFO"])

    def logs(self) -> str:
        """The warnings, errors and last lines of each process's log, for a failure message."""
        parts = []
        for _, path in self.started:
            lines = path.read_text().splitlines() if path.exists() else []
            alarms = [line for line in lines if re.search(r"WARNING|ERROR|CRITICAL", line)]
            parts.append(
                f"--- {path.name}: warnings and errors\n"
                + "\n".join(alarms[-30:])
                + f"\n--- {path.name}: last lines\n"
                + "\n".join(lines[-15:])
            )
        return "\n".join(parts)

    def full_logs(self) -> str:
        return "\n".join(path.read_text() for _, path in self.started if path.exists())

    def stop_all(self) -> None:
        stop([process for process, _ in self.started])


@pytest.fixture
def processes(tmp_path, sink):
    started = Processes(tmp_path, sink.port)
    try:
        yield started
    finally:
        started.stop_all()
        forget_queue(BROKER_URL, started.queue)


# --- Data ------------------------------------------------------------------------


@pytest.fixture
def due_reminders_every_second(seeded_transactional_db):
    """No quiet hours, and beat runs the reminder tick every second, nothing else."""
    CheckinSettings.objects.update_or_create(
        pk=1, defaults={"quiet_start": datetime.time(0), "quiet_end": datetime.time(0)}
    )
    PeriodicTask.objects.update(enabled=False)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Send due check-in reminders",
        defaults={"task": "checkins.tick", "interval": every_second, "enabled": True},
    )


def eight_days_ago() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=8)


def matches_through_services(count: int) -> list[Match]:
    """Active matches made the way members make them: a request, then an accept."""
    matches = []
    for i in range(count):
        newcomer = NewcomerFactory(time_zone=ZONES[i % len(ZONES)])
        mentor = MentorFactory(time_zone=ZONES[(i + 3) % len(ZONES)])
        request = matching_services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk], user=None
        )
        matches.append(matching_services.match_accept(match_id=request.pk, mentor=mentor))
    # Started eight days ago: the first check-in (after seven) is due for both people.
    Match.objects.filter(pk__in=[m.pk for m in matches]).update(decided_at=eight_days_ago())
    return matches


def matches_in_bulk(count: int) -> list[Match]:
    """`count` active matches that started eight days ago, written in bulk."""
    zones = factory.Iterator(ZONES)
    newcomers = NewcomerFactory.create_batch(count, time_zone=zones)
    mentors = MentorFactory.create_batch(count, time_zone=zones)
    return Match.objects.bulk_create(
        ActiveMatchFactory.build(newcomer=newcomer, mentor=mentor)
        for newcomer, mentor in zip(newcomers, mentors, strict=True)
    )


# --- Waiting and checking --------------------------------------------------------


def all_delivered(sink: SmtpSink, expected: int):
    def check():
        return len(counts(sink)) >= expected and (
            Reminder.objects.filter(state=ReminderState.SENT).count() >= expected
        )

    return check


def check_every_reminder_delivered(sink: SmtpSink, matches: list[Match], processes: Processes):
    """Assert one reminder per (match, person), all sent and all received; return duplicates."""
    reminders = list(Reminder.objects.select_related("recipient__user"))
    expected = {(m.pk, m.newcomer_id) for m in matches} | {(m.pk, m.mentor_id) for m in matches}
    assert {(r.match_id, r.recipient_id) for r in reminders} == expected
    assert {r.slot for r in reminders} == {0}
    unsent = [r.pk for r in reminders if r.state != ReminderState.SENT or r.sent_at is None]
    assert not unsent, f"unsent reminders {unsent}\n{processes.logs()}"
    received = counts(sink)
    assert None not in received, "the sink received an email that is not a reminder"
    missing = {r.pk for r in reminders} - set(received)
    assert not missing, f"reminders never received {sorted(missing)}\n{processes.logs()}"
    addressed = recipients(sink)
    for reminder in reminders:
        assert addressed[reminder.pk] == {(reminder.recipient.user.email,)}
    return {pk: n for pk, n in received.items() if n > 1}


def start_batch(sink: SmtpSink, processes: Processes, pairs: int, *, until: int):
    """Start a worker and beat on `pairs` due matches; return once `until`
    reminders have arrived (SMTP answers slowly: time to break something mid-batch)."""
    matches = matches_in_bulk(pairs)
    sink.delay = 0.03  # about 60 emails a second from two processes
    worker = processes.worker(concurrency=2)
    processes.beat()
    assert wait_for(lambda: len(counts(sink)) >= until, timeout=60), processes.logs()
    return matches, worker


def finish_batch(sink: SmtpSink, processes: Processes, matches: list[Match]) -> dict:
    """Wait for every reminder, then a few ticks more; return the duplicates."""
    expected = 2 * len(matches)
    assert wait_for(all_delivered(sink, expected), timeout=90), processes.logs()
    time.sleep(3)  # a few more ticks: nothing is sent again
    return check_every_reminder_delivered(sink, matches, processes)


def report(record_property, name: str, **numbers) -> None:
    for key, value in numbers.items():
        record_property(key, value)
    print(f"\n[{name}] " + ", ".join(f"{key}={value}" for key, value in numbers.items()))


# --- Tests -----------------------------------------------------------------------


def test_every_due_reminder_arrives_exactly_once(sink, processes, record_property):
    matches = matches_through_services(20)
    processes.worker()
    processes.beat()

    duplicates = finish_batch(sink, processes, matches)
    report(record_property, "exactly once", reminders=40, duplicates=len(duplicates))
    assert not duplicates
    # The worker and beat log at INFO, task arguments included: ids, never a person.
    logs = processes.full_logs()
    assert "send_reminders" in logs
    for match in matches:
        for member in (match.newcomer, match.mentor):
            assert member.user.email not in logs
            assert f"{member.display_name}\n" not in logs and f"{member.display_name} " not in logs


def test_killed_worker_mid_batch_loses_no_reminder(sink, processes, record_property):
    matches, worker = start_batch(sink, processes, 150, until=30)
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its pool children
    worker.wait(timeout=10)
    delivered_at_kill = len(counts(sink))
    # Claimed by the dead worker and not recorded as sent: the only ones that may
    # have reached SMTP without the database knowing.
    in_flight = Reminder.objects.filter(state=ReminderState.DUE, claimed_at__isnull=False).count()
    assert delivered_at_kill < 300, "the worker was killed too late to test anything"

    processes.worker(concurrency=2)
    duplicates = finish_batch(sink, processes, matches)
    report(
        record_property,
        "kill -9",
        reminders=300,
        delivered_at_kill=delivered_at_kill,
        in_flight_at_kill=in_flight,
        duplicates=len(duplicates),
    )
    assert in_flight <= 2  # concurrency 2, prefetch multiplier 1
    assert len(duplicates) <= in_flight


def terminate_other_connections() -> int:
    """End every other session on the test database, as a failover would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates PostgreSQL sessions")
def test_database_connections_dropped_mid_batch_lose_no_reminder(sink, processes, record_property):
    matches, _ = start_batch(sink, processes, 100, until=20)
    terminated = terminate_other_connections()
    delivered_at_drop = len(counts(sink))
    assert terminated >= 2 and delivered_at_drop < 200

    duplicates = finish_batch(sink, processes, matches)
    report(
        record_property,
        "connections dropped",
        reminders=200,
        sessions_terminated=terminated,
        delivered_at_drop=delivered_at_drop,
        duplicates=len(duplicates),
    )
    assert not duplicates


def redis_address() -> tuple[str, int] | None:
    if not BROKER_URL.startswith("redis://"):
        return None
    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        return None
    parts = urlsplit(BROKER_URL)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def redis_answers(host: str, port: int) -> bool:
    result = subprocess.run(
        ["redis-cli", "-h", host, "-p", str(port), "ping"], capture_output=True, text=True
    )
    return result.stdout.strip() == "PONG"


def start_redis(port: int) -> None:
    # The command CI starts Redis with.
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def own_redis(processes):
    """A Redis server of this test's own, the broker of its worker and beat.

    Restarting the configured server would empty the broker and cache of every
    test running beside this one (`make test` runs them in parallel).
    """
    host, port = "127.0.0.1", free_port()
    start_redis(port)
    assert wait_for(lambda: redis_answers(host, port), timeout=10)
    processes.env["CELERY_BROKER_URL"] = f"redis://{host}:{port}/0"
    try:
        yield host, port
    finally:
        processes.stop_all()  # before their broker goes away for good
        subprocess.run(
            ["redis-cli", "-h", host, "-p", str(port), "shutdown", "nosave"], capture_output=True
        )


@pytest.mark.skipif(
    redis_address() is None,
    reason="needs CELERY_BROKER_URL=redis://… and redis-server and redis-cli on PATH",
)
def test_redis_restart_mid_batch_loses_no_reminder(sink, processes, own_redis, record_property):
    host, port = own_redis
    matches, _ = start_batch(sink, processes, 100, until=20)
    try:
        # Everything queued in Redis is gone; the outbox is in the database.
        subprocess.run(["redis-cli", "-h", host, "-p", str(port), "shutdown", "nosave"])
        assert wait_for(lambda: not redis_answers(host, port), timeout=10)
        delivered_at_restart = len(counts(sink))
        time.sleep(1)
        start_redis(port)
        assert wait_for(lambda: redis_answers(host, port), timeout=10)
    finally:
        if not redis_answers(host, port):
            start_redis(port)
            wait_for(lambda: redis_answers(host, port), timeout=10)
    assert delivered_at_restart < 200, "Redis restarted too late to test anything"

    duplicates = finish_batch(sink, processes, matches)
    report(
        record_property,
        "redis restart",
        reminders=200,
        delivered_at_restart=delivered_at_restart,
        duplicates=len(duplicates),
    )
    assert not duplicates


def test_smtp_refusing_then_recovering_keeps_every_reminder(sink, processes, record_property):
    matches = matches_in_bulk(10)
    sink.refuse_first = 8
    processes.worker(concurrency=2)
    processes.beat()

    # Refused reminders go out again when the tick enqueues them anew (or the
    # task's own retry, whichever comes first).
    duplicates = finish_batch(sink, processes, matches)
    report(record_property, "smtp refusing", reminders=20, refused=sink.refused)
    assert sink.refused == 8
    assert not duplicates
    retried = Reminder.objects.filter(attempts__gte=2)
    assert retried.count() >= 1
    assert not Reminder.objects.exclude(last_error="").exists()
