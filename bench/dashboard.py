"""Benchmark the programme dashboard: its selector, and the page as staff open it.

    python -m bench.dashboard [--newcomers 10000] [--mentors 3000] [--seed 7] [--small]

It works in a throwaway database of its own, created and dropped the way the
test runner does (PostgreSQL when DATABASE_URL points there, SQLite in memory
otherwise), never in real data. People come from `seed_demo`; a year of
activity (requests, matches, check-ins, reminders, holds, concerns, reports,
steps and recovery checks) is added by `seed_activity` in realistic proportions.
The last line printed is one JSON object: the queries the page ran, the
seconds (median of three) for the selector and the page, and the seconds for a
year's pairings CSV.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time

from bench.database import throwaway_database

DAYS = 364
RUNS = 3


def seed_activity(*, seed: int, now: datetime.datetime) -> dict[str, int]:
    """Add a year of programme activity to the newcomers and mentors in the database.

    About 70% of newcomers asked for a peer: most were accepted (some of those
    matches ended), some declined or expired first, a few requests are still
    open. Active and ended matches have fortnightly reminders and most of their
    check-ins; a few check-ins raise a concern. Some newcomers have steps and
    answer the recovery check. Mentors never go over their capacity. Return
    how many rows of each kind were written.
    """
    from checkins.models import CheckIn, Reminder, ReminderState
    from matching.models import (
        DeclineReason,
        EndedBy,
        Match,
        MatchOrigin,
        MatchState,
        Report,
    )
    from matching.selectors import Places, with_places
    from members.models import Member, Role
    from recovery.models import Instrument, InstrumentVersion, RecoveryCheck, Threshold
    from safety.models import HelpRequest
    from steps.models import Step, StepAnswer

    rng = random.Random(seed)

    def ago(days: float) -> datetime.datetime:
        return now - datetime.timedelta(days=days)

    # Newcomers with no history yet, so that it may run again after more people are seeded.
    newcomers = list(
        Member.objects.filter(role=Role.NEWCOMER, matches_as_newcomer__isnull=True)
        .only("pk", "created_at")
        .order_by("pk")
    )
    mentors = list(
        with_places(Member.objects.filter(role=Role.MENTOR), taken_by=Places.FILLED)
        .values_list("pk", "places_free")
        .order_by("pk")
    )
    room = dict(mentors)
    mentor_ids = [pk for pk, _ in mentors]
    for newcomer in newcomers:
        newcomer.created_at = ago(rng.uniform(0, DAYS))
    Member.objects.bulk_update(newcomers, ["created_at"], batch_size=2000)

    matches: list[Match] = []
    for newcomer in newcomers:
        if rng.random() > 0.7:
            continue  # still waiting, or never asked

        def add(state, newcomer_id, mentor_id, sent_at, **fields):
            matches.append(
                Match(
                    newcomer_id=newcomer_id,
                    mentor_id=mentor_id,
                    state=state,
                    origin=MatchOrigin.REQUEST,
                    sent_to_mentor_at=sent_at,
                    score=round(rng.random(), 3),
                    **fields,
                )
            )

        moment = newcomer.created_at + datetime.timedelta(days=rng.uniform(0.5, 20))
        for _ in range(3):  # a declined or expired request moves to the next choice
            if moment >= now:
                break
            mentor = rng.choice(mentor_ids)
            pair = (newcomer.pk, mentor, moment)
            draw = rng.random()
            answered = moment + datetime.timedelta(hours=rng.uniform(1, 72))
            if answered >= now or draw < 0.05:
                add(MatchState.AWAITING_MENTOR, *pair)
                break
            if draw < 0.25:
                declined = draw < 0.17
                add(
                    MatchState.DECLINED if declined else MatchState.EXPIRED,
                    *pair,
                    decided_at=answered,
                    decline_reason=rng.choice(DeclineReason.values) if declined else "",
                )
                moment = answered + datetime.timedelta(hours=1)
                continue
            ended_at = answered + datetime.timedelta(days=rng.uniform(14, 200))
            if ended_at < now and rng.random() < 0.5:
                add(
                    MatchState.ENDED,
                    *pair,
                    decided_at=answered,
                    ended_at=ended_at,
                    ended_by=rng.choice(EndedBy.values),
                    end_reason="Synthetic",
                )
            elif room[mentor] > 0:
                room[mentor] -= 1
                add(MatchState.ACTIVE, *pair, decided_at=answered)
            break
    Match.objects.bulk_create(matches, batch_size=2000)
    created = list(
        Match.objects.filter(pk__in=[m.pk for m in matches]).only("pk", "sent_to_mentor_at")
    )
    for row in created:
        row.created_at = row.sent_to_mentor_at or now
    Match.objects.bulk_update(created, ["created_at"], batch_size=2000)

    reminders, checkins = [], []
    for match in Match.objects.filter(
        pk__in=[m.pk for m in matches], state__in=[MatchState.ACTIVE, MatchState.ENDED]
    ).only("pk", "newcomer_id", "mentor_id", "decided_at", "ended_at"):
        until = match.ended_at or now
        slot, due = 0, match.decided_at + datetime.timedelta(days=7)
        while due < until:
            for recipient in (match.newcomer_id, match.mentor_id):
                reminders.append(
                    Reminder(
                        match_id=match.pk,
                        recipient_id=recipient,
                        slot=slot,
                        due_at=due,
                        state=ReminderState.SENT,
                    )
                )
                if rng.random() < 0.6:
                    checkins.append(
                        CheckIn(
                            match_id=match.pk,
                            author_id=recipient,
                            connected=rng.choice(["yes", "yes", "tried", "no"]),
                            rating=rng.randint(1, 5),
                            concern=rng.random() < 0.02,
                            created_at=due + datetime.timedelta(hours=5),
                        )
                    )
            slot, due = slot + 1, due + datetime.timedelta(days=14)
    Reminder.objects.bulk_create(reminders, batch_size=5000)
    times = [checkin.created_at for checkin in checkins]
    CheckIn.objects.bulk_create(checkins, batch_size=5000)
    for checkin, moment in zip(checkins, times, strict=True):
        checkin.created_at = moment
    CheckIn.objects.bulk_update(checkins, ["created_at"], batch_size=5000)

    holds, reports = [], []
    for newcomer in rng.sample(newcomers, k=len(newcomers) // 100):
        raised = ago(rng.uniform(0, 120))
        cleared = None if rng.random() < 0.3 else raised + datetime.timedelta(hours=6)
        holds.append(HelpRequest(member_id=newcomer.pk, reason="help_now", cleared_at=cleared))
    ended_or_active = [m for m in matches if m.state in (MatchState.ACTIVE, MatchState.ENDED)]
    for match in rng.sample(ended_or_active, k=len(ended_or_active) // 100):
        reports.append(
            Report(
                reporter_id=match.newcomer_id,
                reported_id=match.mentor_id,
                match_id=match.pk,
                status=rng.choice(["open", "closed"]),
            )
        )
    HelpRequest.objects.bulk_create(holds)
    Report.objects.bulk_create(reports)
    for row in [*holds, *reports]:
        row.created_at = ago(rng.uniform(0, 120))
    HelpRequest.objects.bulk_update(holds, ["created_at"])
    Report.objects.bulk_update(reports, ["created_at"])

    steps = [
        Step(member_id=newcomer.pk, text="A synthetic step", created_at=ago(rng.uniform(0, DAYS)))
        for newcomer in rng.sample(newcomers, k=len(newcomers) * 3 // 10)
    ]
    Step.objects.bulk_create(steps, batch_size=5000)
    by_author = {}
    for checkin in checkins:
        by_author.setdefault(checkin.author_id, []).append(checkin)
    answers = [
        StepAnswer(
            step_id=step.pk,
            answer=rng.choice(["went_well", "partly", "not_this_week"]),
            source="check_in",
            checkin_id=checkin.pk,
            recorded_at=checkin.created_at,
        )
        for step in steps
        for checkin in by_author.get(step.member_id, [])
    ]
    StepAnswer.objects.bulk_create(answers, batch_size=5000)

    instrument, _ = Instrument.objects.get_or_create(name="Benchmark check")
    version, new = InstrumentVersion.objects.get_or_create(
        instrument=instrument, number=1, defaults={"status": "live"}
    )
    if new:
        Threshold.objects.create(version=version, value=30, meaning="A synthetic cut-off")
    checks = []
    for newcomer in rng.sample(newcomers, k=len(newcomers) // 5):
        score = rng.randint(10, 40)
        for answer in range(rng.randint(1, 3)):
            score = max(10, min(50, score + rng.randint(-3, 6)))
            checks.append(
                RecoveryCheck(
                    member_id=newcomer.pk,
                    version=version,
                    score=score,
                    idempotency_key=f"bench-{seed}-{answer}",
                    taken_at=ago(rng.uniform(0, DAYS)),
                )
            )
    RecoveryCheck.objects.bulk_create(checks, batch_size=5000)
    return {
        "matches": len(matches),
        "reminders": len(reminders),
        "checkins": len(checkins),
        "holds": len(holds),
        "reports": len(reports),
        "steps": len(steps),
        "step_answers": len(answers),
        "recovery_checks": len(checks),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=12, choices=[4, 12, 26, 52])
    parser.add_argument("--small", action="store_true", help="600 newcomers, 200 mentors")
    args = parser.parse_args(argv)
    if args.small:
        args.newcomers, args.mentors = 600, 200

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.core.management import call_command

    with throwaway_database() as connection:
        return run(args, call_command, connection)


def run(args, call_command, connection) -> dict:
    import io

    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from members.models import User
    from programme import selectors
    from programme.periods import Period

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(f"Seeding {args.newcomers} newcomers and {args.mentors} mentors...")
    started = time.perf_counter()
    call_command(
        "seed_demo",
        newcomers=args.newcomers,
        mentors=args.mentors,
        seed=args.seed,
        stdout=io.StringIO(),
    )
    now = timezone.now()
    rows = seed_activity(seed=args.seed, now=now)
    seed_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a real site

    period = Period.last_weeks(args.weeks, timezone.localdate())
    log("Timing the selector...")
    selector_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        selectors.programme_numbers(period=period)
        selector_times.append(time.perf_counter() - started)

    log("Timing the page...")
    setup_test_environment()  # the test client's host, as under the test runner
    staff = User.objects.create_superuser("bench-staff@example.org", "bench-password")
    client = Client()
    client.force_login(staff)
    url = f"{reverse('programme:dashboard')}?weeks={args.weeks}"
    # The benchmark's staff account opens the admin without a code, as `make run`'s demo
    # staff account does.
    with override_settings(PEERLINK_STAFF_MFA_EXEMPT=[staff.email]):
        page_times, queries = [], 0
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                page_times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = len(captured)
        started = time.perf_counter()
        response = client.get(f"{reverse('programme:pairings_csv')}?kind=matches&weeks=52")
        csv_seconds = time.perf_counter() - started
        csv_rows = response.content.count(b"\n") - 1

    return {
        "database": connection.vendor,
        "newcomers": args.newcomers,
        "mentors": args.mentors,
        "weeks": args.weeks,
        **rows,
        "seed_seconds": round(seed_seconds, 1),
        "queries": queries,
        "selector_seconds": round(statistics.median(selector_times), 3),
        "csv_rows": csv_rows,
        "csv_seconds": round(csv_seconds, 3),
        "seconds": round(statistics.median(page_times), 3),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
