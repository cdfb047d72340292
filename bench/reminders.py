"""Benchmark reminder delivery end to end: beat, a real worker, SMTP, the database.

    python -m bench.reminders [--due 10000] [--small] [--pool prefork] [--concurrency N]

It works in a throwaway database of its own, created and dropped the way the
test runner does (PostgreSQL when DATABASE_URL points there, else an SQLite
file in a temporary folder, since the worker is another process), never in
real data. It writes `due` reminders' worth of active matches (due / 2
matches, two people each) whose first check-in came due yesterday, then starts
an SMTP sink in this process and a real Celery worker and beat on the
configured broker (Redis when CELERY_BROKER_URL is set, else the embedded one)
with a queue of their own. Beat runs the reminder tick on the schedule the
migrations create (every minute; it last ran two minutes ago, so the first
tick comes as beat starts); the
worker runs with the deployed settings, as a prefork pool of two processes per
core unless --pool / --concurrency say otherwise.

It waits until every reminder is delivered (or --timeout) and prints one JSON
object as its last line: due, delivered, duplicates, missing, seconds (from the
first enqueue to the last delivery), per_second, wall_seconds (from starting
the processes), broker, database, worker_pool, concurrency.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import email
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
    "UTC",
]
LINK = re.compile(rb"/check-ins/link/([^/\s]+)/")
# Starts a Celery command with the default queue set to argv[1], so this run's
# beat, tick and worker share a queue no other worker consumes.
CELERY_ON_QUEUE = (
    "import sys; from peerlink.celery import app; "
    "app.conf.task_default_queue = sys.argv[1]; app.start(sys.argv[2:])"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=10_000, help="reminders due (even)")
    parser.add_argument("--small", action="store_true", help="500 due reminders, for CI")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument(
        "--concurrency", type=int, default=None, help="default: two processes per core"
    )
    parser.add_argument("--loglevel", default="INFO", help="the worker's, as deployed: INFO")
    parser.add_argument("--timeout", type=float, default=None, help="seconds; default scales")
    parser.add_argument("--keep-logs", action="store_true", help="keep the worker and beat logs")
    args = parser.parse_args(argv)
    if args.small:
        args.due = 500
    args.due += args.due % 2
    if args.concurrency is None:
        # Sending is half waiting (database, SMTP, broker), and with late acks and a
        # prefetch of one a process idles while its next message is fetched: two per
        # core beat one per core (Celery's default), by about a fifth on two cores.
        args.concurrency = 1 if args.pool == "solo" else 2 * (os.cpu_count() or 1)
    if args.timeout is None:
        args.timeout = max(120.0, args.due / 20)

    folder = Path(tempfile.mkdtemp(prefix="peerlink-bench-reminders-"))
    # The embedded broker's folders and any SQLite file live in the temporary folder.
    os.environ["PEERLINK_VAR_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(folder / "bench.sqlite3")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return run(args, connection, folder)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if args.keep_logs:
            log(f"Logs: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- Data ------------------------------------------------------------------------


def create_due_matches(pairs: int) -> None:
    """Write `pairs` active matches that started eight days ago, in bulk."""
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from checkins.models import CheckinSettings
    from matching.models import Match, MatchOrigin, MatchState
    from members.models import Member, Role, User, VettingStatus

    # No quiet hours: every first check-in is due, whatever the member's zone.
    CheckinSettings.objects.update_or_create(
        pk=1, defaults={"quiet_start": datetime.time(0), "quiet_end": datetime.time(0)}
    )
    now = timezone.now()
    # The minute tick last ran two minutes ago: beat sends it as it starts.
    PeriodicTask.objects.filter(task="checkins.tick").update(
        last_run_at=now - datetime.timedelta(minutes=2)
    )
    started = now - datetime.timedelta(days=8)
    users = User.objects.bulk_create(
        (User(email=f"bench{i}@example.org", password="!") for i in range(2 * pairs)),
        batch_size=2000,
    )
    members = Member.objects.bulk_create(
        (
            Member(
                user=user,
                role=Role.NEWCOMER if i < pairs else Role.MENTOR,
                display_name=f"Bench {i}",
                birth_year=1990,
                time_zone=ZONES[i % len(ZONES)],
                onboarding_step=5,
                onboarded_at=now,
                vetting_status=VettingStatus.PENDING if i < pairs else VettingStatus.APPROVED,
            )
            for i, user in enumerate(users)
        ),
        batch_size=2000,
    )
    Match.objects.bulk_create(
        (
            Match(
                newcomer=members[i],
                mentor=members[pairs + i],
                state=MatchState.ACTIVE,
                origin=MatchOrigin.STAFF,
                score=0.5,
                sent_to_mentor_at=started,
                decided_at=started,
            )
            for i in range(pairs)
        ),
        batch_size=2000,
    )


# --- The SMTP sink ---------------------------------------------------------------


class Sink:
    """Records each accepted message and when; parsing waits until the run is over."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[float, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((time.time(), envelope.content))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def reminder_id_in(raw: bytes) -> int | None:
    from django.core import signing

    from checkins.services import LINK_SALT

    message = email.message_from_bytes(raw)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            found = LINK.search(part.get_payload(decode=True))
            if found:
                return signing.loads(found.group(1).decode(), salt=LINK_SALT)["reminder"]
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Processes -------------------------------------------------------------------


def database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def start(arguments: list[str], queue: str, env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "w") as output:
        return subprocess.Popen(
            [sys.executable, "-c", CELERY_ON_QUEUE, queue, *arguments],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def forget_queue(broker_url: str, queue: str) -> None:
    """Remove this run's queue from Redis: leftover messages (ticks) and bindings."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
    except redis.RedisError:
        pass  # only tidying up


def stop(process: subprocess.Popen) -> None:
    for signum, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


# --- The run ---------------------------------------------------------------------


def run(args, connection, folder: Path) -> dict:
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db.models import Min

    from checkins.models import Reminder, ReminderState

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    pairs = args.due // 2
    log(f"Writing {pairs} active matches ({args.due} due reminders)...")
    started = time.perf_counter()
    create_due_matches(pairs)
    log(f"  {time.perf_counter() - started:.1f} s")

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    broker = settings.CELERY_BROKER_URL.split(":", 1)[0]
    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        # As a deployment's worker runs (the test settings would keep email in memory).
        "DJANGO_SETTINGS_MODULE": "peerlink.settings.base",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(connection.settings_dict),
        "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "PEERLINK_VAR_DIR": str(folder),
    }
    worker_arguments = [
        "worker",
        f"--loglevel={args.loglevel}",
        f"--pool={args.pool}",
        f"--concurrency={args.concurrency}",
        f"--hostname=bench-{queue}@localhost",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    launched = time.time()
    processes = [
        start(worker_arguments, queue, env, folder / "worker.log"),
        start(["beat", "--loglevel=INFO"], queue, env, folder / "beat.log"),
    ]
    log(
        f"Delivering through a {args.pool} worker (concurrency {args.concurrency}) "
        f"on the {broker} broker..."
    )
    deadline = time.monotonic() + args.timeout
    reported = time.monotonic()
    try:
        while time.monotonic() < deadline:
            if (
                sink.count() >= args.due
                and Reminder.objects.filter(state=ReminderState.SENT).count() >= args.due
            ):
                break
            if time.monotonic() - reported >= 5:
                reported = time.monotonic()
                log(f"  {sink.count()} delivered")
            time.sleep(0.2)
        else:
            log(f"Timed out after {args.timeout:.0f} s. Worker log:")
            log((folder / "worker.log").read_text()[-3000:])
        time.sleep(2)  # anything sent twice arrives now
    finally:
        for process in processes:
            stop(process)
        controller.stop()
        if broker == "redis":
            forget_queue(settings.CELERY_BROKER_URL, queue)

    counts = collections.Counter(reminder_id_in(raw) for _, raw in sink.messages)
    due_ids = set(Reminder.objects.values_list("pk", flat=True))
    delivered = len(due_ids & set(counts))
    first_enqueue = Reminder.objects.aggregate(first=Min("enqueued_at"))["first"]
    last_delivery = max((at for at, _ in sink.messages), default=None)
    seconds = None
    if first_enqueue and last_delivery:
        seconds = round(last_delivery - first_enqueue.timestamp(), 2)
    return {
        "due": args.due,
        "reminder_rows": len(due_ids),
        "delivered": delivered,
        "duplicates": sum(1 for n in counts.values() if n > 1),
        "missing": args.due - delivered,
        "not_reminders": counts.get(None, 0),
        "seconds": seconds,
        "per_second": round(delivered / seconds, 1) if seconds else None,
        # From starting the worker and beat: their start-up and the tick included.
        "wall_seconds": round(last_delivery - launched, 2) if last_delivery else None,
        "broker": broker,
        "database": connection.vendor,
        "worker_pool": args.pool,
        "concurrency": args.concurrency,
        "worker_loglevel": args.loglevel,
    }


if __name__ == "__main__":
    result = main()
    print(json.dumps(result))
    # Speed is for reading; a lost or doubled reminder is a failure.
    sys.exit(1 if result["missing"] or result["duplicates"] or result["not_reminders"] else 0)
