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
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.database import throwaway_database
from tests.celery_processes import (
    ZONES,
    database_url,
    forget_queue,
    reminder_id_in,
    start_celery,
    stop,
    wait_for,
)
from tests.smtp import running_sink


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
    try:
        with throwaway_database() as connection:
            return run(args, connection, folder)
    finally:
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


# --- The run ---------------------------------------------------------------------


def wait_until_delivered(args, sink, folder: Path) -> None:
    """Wait until every reminder has arrived and is recorded as sent, or time out."""
    from checkins.models import Reminder, ReminderState

    last_report = time.monotonic()

    def delivered() -> bool:
        nonlocal last_report
        if time.monotonic() - last_report >= 5:
            last_report = time.monotonic()
            log(f"  {sink.count()} delivered")
        return (
            sink.count() >= args.due
            and Reminder.objects.filter(state=ReminderState.SENT).count() >= args.due
        )

    if not wait_for(delivered, timeout=args.timeout, interval=0.2):
        log(f"Timed out after {args.timeout:.0f} s. Worker log:")
        log((folder / "worker.log").read_text()[-3000:])


def run(args, connection, folder: Path) -> dict:
    from django.conf import settings
    from django.db.models import Min

    from checkins.models import Reminder

    pairs = args.due // 2
    log(f"Writing {pairs} active matches ({args.due} due reminders)...")
    started = time.perf_counter()
    create_due_matches(pairs)
    log(f"  {time.perf_counter() - started:.1f} s")

    broker = settings.CELERY_BROKER_URL.split(":", 1)[0]
    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
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
    with running_sink() as sink:
        env = {
            **os.environ,
            # As a deployment's worker runs (the test settings would keep email in memory).
            "DJANGO_SETTINGS_MODULE": "peerlink.settings.base",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(connection.settings_dict),
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "PEERLINK_VAR_DIR": str(folder),
        }
        launched = time.time()
        processes = [
            start_celery(worker_arguments, queue=queue, env=env, log_path=folder / "worker.log"),
            start_celery(
                ["beat", "--loglevel=INFO"], queue=queue, env=env, log_path=folder / "beat.log"
            ),
        ]
        log(
            f"Delivering through a {args.pool} worker (concurrency {args.concurrency}) "
            f"on the {broker} broker..."
        )
        try:
            wait_until_delivered(args, sink, folder)
            time.sleep(2)  # anything sent twice arrives now
        finally:
            stop(processes)
            forget_queue(settings.CELERY_BROKER_URL, queue)
        messages = sink.messages()

    counts = collections.Counter(reminder_id_in(message.raw) for message in messages)
    due_ids = set(Reminder.objects.values_list("pk", flat=True))
    delivered = len(due_ids & set(counts))
    first_enqueue = Reminder.objects.aggregate(first=Min("enqueued_at"))["first"]
    last_delivery = max((message.at for message in messages), default=None)
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
