"""Benchmark the web pages under load: many signed-in members at once, on gunicorn.

    python -m bench.web [--users 32] [--seconds 60] [--page-seconds 15] [--workers 4]
                        [--think 1,3] [--small | --quick]

It works in a throwaway database of its own (PostgreSQL when DATABASE_URL
points there), never in real data. `seed_demo` makes 10,000 newcomers and
3,000 mentors (`--small`: 600 and 200; `--quick`: 300 and 100 with short runs,
for CI), everyone's suggestions are computed, and some newcomers are matched
with a conversation, some have a request waiting for their mentor.

gunicorn then serves PeerLink with production settings (DEBUG off, compressed
and hashed static files, the cache and broker in Redis when CACHE_URL and
CELERY_BROKER_URL are set) on 127.0.0.1, plus a one-query reference page that
only the benchmark's URLs mount. locust, headless, plays `--users` members at
once:

1. the realistic mix for `--seconds`: the signed-out home, sign-in, the member
   home, suggestions, requesting a mentor, the mentor's inbox and accepting, a
   conversation (open, poll, send), check-ins (the list and one sent) and the
   API, each member pausing `--think` seconds (between one and three, at
   random, by default) before each page after the first, as people do;
2. the same mix for `--seconds` with no pause at all, which asks far more of
   the server than 32 people could;
3. then the reference page alone for `--page-seconds`, and each member page
   with no pause in turns with the reference page, `--page-seconds` each in
   turns of five seconds, every simulated member switching at the same moment
   (other work on a shared machine comes and goes within a run: each page is
   compared with the reference as measured in the seconds around it, and only
   once each turn has settled).

Its last line is one JSON object: `steps` (per step of the mix: requests,
errors, p50_ms, p95_ms, p99_ms, rps), `overall` (the same for the whole mix,
with `client_cpu`, the cores locust itself used), `no_pause` (`steps` and
`overall` of the mix with no pause), `think` (the pause), `pages` (each page:
the same over its counted turns, `reference_rps`, the reference page's rps over
the turns between them, and `share`, its rps against that; with `--quick`, each
page alone against the first measure), `baseline_rps` (the reference page's
first measure, alone),
`concurrency`, `workers`, `worker_rss_mb` (the largest worker's resident
memory after the run), `done` (what the members' actions
changed: requests made and accepted, messages sent, check-ins recorded,
sign-ins), `database`, `newcomers`, `mentors`.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import logging
import math
import os
import random
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.database import throwaway_database
from tests.celery_processes import PROJECT_ROOT, database_url, stop, wait_for

# Each page measured alone: (label, path, the plan's pool, the pool's cookie field).
PAGES = [
    ("reference", "/bench/reference/", None, None),
    ("home (signed out)", "/", None, None),
    ("member home", "/me/", "browsers", "session"),
    ("suggestions", "/peers/", "browsers", "session"),
    ("my match", "/my-match/", "browsers", "session"),
    ("profile", "/profile/", "browsers", "session"),
    ("inbox", "/inbox/", "pairs", "mentor"),
    ("check-ins", "/check-ins/", "pairs", "mentor"),
]


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--users", type=int, default=32, help="members at once")
    parser.add_argument("--seconds", type=int, default=60, help="how long to play the mix")
    parser.add_argument("--page-seconds", type=int, default=15, help="each page alone")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--think", default="1,3", help="the mix's pause before each page, in seconds: low,high"
    )
    parser.add_argument("--small", action="store_true", help="600 newcomers, 200 mentors")
    parser.add_argument("--quick", action="store_true", help="a short smoke run, for CI")
    args = parser.parse_args(argv)
    if args.small:
        args.newcomers, args.mentors = 600, 200
    if args.quick:
        args.newcomers, args.mentors = 300, 100
        args.seconds, args.page_seconds = 5, 2

    folder = Path(tempfile.mkdtemp(prefix="peerlink-bench-web-"))
    os.environ["PEERLINK_VAR_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    # Sessions written here are read by gunicorn: both must sign them with one key.
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    # Emails about these synthetic people are queued in memory and dropped at exit.
    broker_for_server = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from peerlink.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    logging.disable(logging.INFO)
    try:
        with throwaway_database() as connection:
            return run(args, connection, folder, broker_for_server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Data ------------------------------------------------------------------------


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def prepare(args, connection) -> dict:
    """Seed the people, compute suggestions, open matches and requests; return the plan."""
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.core.management import call_command
    from django.utils import timezone

    from matching import selectors, services
    from matching.models import Match, MatchOrigin, MatchState
    from members.models import Member, User
    from messaging.models import Conversation, Message, MessagingSettings, Participant

    log(f"Seeding {args.newcomers} newcomers and {args.mentors} mentors...")
    call_command(
        "seed_demo",
        newcomers=args.newcomers,
        mentors=args.mentors,
        seed=7,
        stdout=io.StringIO(),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log("Computing everyone's suggestions...")
    services.suggestions_recompute()

    rng = random.Random(7)
    share = max(10, args.newcomers // 50)  # 200 of each at full size
    waiting = list(selectors.newcomers_waiting().select_related("user").order_by("pk"))
    rng.shuffle(waiting)
    staff = User.objects.filter(is_superuser=True).first()

    # Newcomers who request their first suggestion during the run, and mentors who
    # accept a request waiting for them: each with a mentor of their own.
    log("Opening requests and matches...")
    used_mentors: set[int] = set()
    requesters, acceptors, rest = [], [], []
    for newcomer in waiting:
        if len(requesters) >= share and len(acceptors) >= share:
            rest.append(newcomer)
            continue
        suggested = [s.mentor for s in selectors.suggestions_for(newcomer)]
        mentor = next((m for m in suggested if m.pk not in used_mentors), None)
        if mentor is None:
            rest.append(newcomer)
            continue
        used_mentors.add(mentor.pk)
        if len(requesters) < share:
            requesters.append((newcomer, mentor))
            continue
        match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
        if match.state == MatchState.PENDING_APPROVAL:
            match = services.match_approve(match_id=match.pk, staff_user=staff)
        acceptors.append((match, mentor))

    # Active matches with a conversation of a few messages, for mentors not used above.
    MessagingSettings.get_solo()
    now = timezone.now()
    pair_newcomers = rest[:share]
    browsers = rest[share : share + 5 * share]
    mentors = list(
        selectors.mentor_pool()
        .exclude(pk__in=used_mentors)
        .select_related("user")
        .order_by("?")[: len(pair_newcomers)]
    )
    matches = Match.objects.bulk_create(
        Match(
            newcomer=newcomer,
            mentor=mentor,
            state=MatchState.ACTIVE,
            origin=MatchOrigin.STAFF,
            score=0.5,
            sent_to_mentor_at=now,
            decided_at=now,
        )
        for newcomer, mentor in zip(pair_newcomers, mentors, strict=False)
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(match=match, last_message_at=now) for match in matches
    )
    Participant.objects.bulk_create(
        Participant(conversation=conversation, member_id=member_id)
        for conversation, match in zip(conversations, matches, strict=True)
        for member_id in (match.newcomer_id, match.mentor_id)
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, sender_id=sender, text=f"Hello {n}")
        for conversation, match in zip(conversations, matches, strict=True)
        for n, sender in enumerate([match.newcomer_id, match.mentor_id] * 3)
    )
    last = {
        row["conversation__match_id"]: row["id"]
        for row in Message.objects.order_by("id").values("conversation__match_id", "id")
    }

    # A few members sign in with a password during the run, hashed as in production.
    password = secrets.token_urlsafe(16)
    sign_in = [newcomer.user for newcomer in browsers[:50]]
    hashed = Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    User.objects.filter(pk__in=[user.pk for user in sign_in]).update(password=hashed)

    log("Signing members in...")
    users = {
        user.pk: user
        for user in User.objects.filter(
            member__in=[m.pk for m in [*browsers, *pair_newcomers, *mentors]]
            + [n.pk for n, _ in requesters]
            + [m.pk for _, m in acceptors]
        )
    }
    by_member = {
        member.pk: member.user_id
        for member in Member.objects.filter(user_id__in=users).only("pk", "user_id")
    }

    def session(member) -> str:
        return session_cookie(users[by_member[member.pk]])

    return {
        "password": password,
        "sign_in": [{"email": user.email, "user": user.pk} for user in sign_in],
        "browsers": [{"session": session(member)} for member in browsers],
        "requesters": [
            {"session": session(newcomer), "mentor": mentor.pk, "member": newcomer.pk}
            for newcomer, mentor in requesters
        ],
        "acceptors": [{"session": session(mentor), "match": m.pk} for m, mentor in acceptors],
        "pairs": [
            {
                "match": match.pk,
                "newcomer": session(match.newcomer),
                "mentor": session(match.mentor),
                "last_message": last[match.pk],
            }
            for match in matches
        ],
    }


# --- The server and the load -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(args, connection, folder: Path, broker: str | None) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.web_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "PEERLINK_VAR_DIR": str(folder),
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on 127.0.0.1 stands for the TLS proxy in front of production.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PEERLINK_EMAIL_VERIFICATION": "mandatory",
        # Compressing every static file takes most of a minute: the smoke run keeps
        # hashed names but leaves compression out.
        "BENCH_WEB_COMPRESS_STATIC": "false" if args.quick else "true",
        # The benchmark measures capacity: members here ask far faster than any
        # person would, so the per-member rate limits are lifted.
        "PEERLINK_API_RATE": "100000/minute",
        "PEERLINK_API_SUGGESTIONS_RATE": "100000/minute",
        "PEERLINK_MESSAGE_RATE_LIMIT": "100000/600",
    }
    env.pop("CELERY_BROKER_URL")
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


def locust(args, port: int, folder: Path, env: dict, user_class: str, seconds: int, **extra):
    """Run locust headless for `seconds`; return its per-name stats rows."""
    prefix = folder / f"locust-{user_class}-{secrets.token_hex(4)}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable, "-m", "locust",
            "-f", str(PROJECT_ROOT / "bench" / "web_locustfile.py"),
            "--headless", "--only-summary", "--reset-stats",
            "--users", str(args.users), "--spawn-rate", str(10 * args.users),
            "--run-time", f"{seconds}s", "--stop-timeout", "2",
            "--host", f"http://127.0.0.1:{port}",
            "--csv", str(prefix),
            "--loglevel", "WARNING",
            user_class,
        ],
        cwd=PROJECT_ROOT,
        env={**env, "BENCH_WEB_PLAN": str(folder / "plan.json"), **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds + 120,
        check=False,  # locust exits 1 when a request failed: the rows say which
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The load generator shares the machine with gunicorn: how busy it was says how
    # much of a core it took from the server.
    client_cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / (
        time.monotonic() - started
    )
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: summarise(row) for row in csv.DictReader(stats)}
    rows["Aggregated"]["client_cpu"] = round(client_cpu, 2)
    return rows


def page_environment(path: str, pool: str | None, field: str | None) -> dict:
    """What the locustfile's one-page users read: the page, and whose cookies ask for it."""
    extra = {"BENCH_WEB_PAGE": path}
    if pool:
        extra.update(BENCH_WEB_POOL=pool, BENCH_WEB_FIELD=field)
    return extra


def alone(args, port: int, folder: Path, env: dict, path: str, pool, field, pages) -> dict:
    """Measure `path` alone, against the reference page's first measure."""
    extra = page_environment(path, pool, field)
    row = locust(args, port, folder, env, "OnePage", args.page_seconds, **extra)["Aggregated"]
    row["reference_rps"] = pages[PAGES[0][0]]["rps"]
    row["share"] = round(row["rps"] / row["reference_rps"], 3) if row["reference_rps"] else 0.0
    return row


def alternating(args, port: int, folder: Path, env: dict, path: str, pool, field) -> dict:
    """Measure `path` against the reference page, in turns within one run (`Alternating`
    in bench/web_locustfile.py): its row, with `reference_rps` and `share`.

    `--page-seconds` is split into turns of five seconds at most (three turns of
    each page at the default 15 s), and each turn counts only after its first
    second (a fifth of a shorter turn), when the answers of the turn before are out.
    """
    turns = max(1, round(args.page_seconds / 5))
    turn = args.page_seconds / turns
    settle = min(1.0, turn / 5)
    lead = 5  # locust starts and every user is running before the first turn
    extra = {
        **page_environment(path, pool, field),
        "BENCH_WEB_REFERENCE": PAGES[0][1],
        "BENCH_WEB_START": str(time.time() + lead),
        "BENCH_WEB_TURN": str(turn),
        "BENCH_WEB_TURNS": str(turns),
        "BENCH_WEB_SETTLE": str(settle),
    }
    rows = locust(
        args, port, folder, env, "Alternating", math.ceil(lead + 2 * args.page_seconds + 1), **extra
    )
    if "started late" in rows:
        raise SystemExit(f"locust started after the first turn of {path}: make `lead` longer")
    if not rows["Aggregated"]["requests"]:
        raise SystemExit(f"locust asked for nothing while measuring {path}")
    counted_seconds = turns * (turn - settle)
    row = rows.get(path) or summarise_empty()
    reference = rows.get(PAGES[0][1]) or summarise_empty()
    row["errors"] = rows["Aggregated"]["errors"]
    row["rps"] = round(row["requests"] / counted_seconds, 1)
    row["reference_rps"] = round(reference["requests"] / counted_seconds, 1)
    share = row["requests"] / reference["requests"] if reference["requests"] else 0.0
    row["share"] = round(share, 3)
    row["client_cpu"] = rows["Aggregated"]["client_cpu"]
    return row


def summarise_empty() -> dict:
    return {"requests": 0, "errors": 0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "rps": 0.0}


def summarise(row: dict) -> dict:
    return {
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "p50_ms": milliseconds(row["50%"]),
        "p95_ms": milliseconds(row["95%"]),
        "p99_ms": milliseconds(row["99%"]),
        "rps": round(float(row["Requests/s"]), 1),
    }


def warm_up(port: int, plan: dict, workers: int, quick: bool) -> None:
    """Ask for every page a few times from several connections at once, so that each
    worker loads what it loads once (code, templates, connections) before measuring.

    Every signed-in member of the plan first opens their home once, as a sign-in
    lands there: what a session does once (read into the cache, its time zone
    looked up, "last active" written, the first home visit recorded) is then not
    charged to whichever page is measured first. Signing in itself is in the mix.
    """
    from concurrent.futures import ThreadPoolExecutor

    asks = [
        ("/me/", person[field])
        for pool, field in (("browsers", "session"), ("pairs", "mentor"), ("pairs", "newcomer"))
        for person in plan[pool]
    ]
    for _, path, pool, field in PAGES:
        for n in range(workers if quick else 2 * workers):
            people = plan[pool] if pool else []
            session = people[n % len(people)][field] if people else ""
            asks.append((path, session))

    def ask(path_and_session) -> int:
        path, session = path_and_session
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        status = connection.getresponse().status
        connection.close()
        return status

    with ThreadPoolExecutor(2 * workers) as pool:
        statuses = list(pool.map(ask, asks))
    failed = sum(status >= 400 for status in statuses)
    if failed:
        raise SystemExit(f"{failed} of {len(statuses)} pages failed while warming up")


def milliseconds(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def worker_rss_mb(master_pid: int) -> float:
    """Return the largest resident memory among the gunicorn master's workers, in MB."""
    largest = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == master_pid:
            largest = max(largest, int(fields["VmRSS"].split()[0]))
    return round(largest / 1024, 1)


def empty_redis(env: dict) -> None:
    """Empty the server's Redis cache and broker databases: what was cached and queued
    about the throwaway people must neither meet the next run nor reach a worker."""
    import redis

    for name in ("CACHE_URL", "CELERY_BROKER_URL"):
        if env.get(name, "").startswith(("redis://", "rediss://")):
            redis.Redis.from_url(env[name]).flushdb()


def outcomes(plan: dict, before: dict | None) -> dict:
    """Count what the members' actions changed, as the people involved would see it:
    requests made, requests accepted, messages sent, check-ins recorded, sign-ins."""
    from django.utils import timezone

    from checkins.models import CheckIn
    from matching.models import OPEN_STATES, Match, MatchState
    from members.models import User
    from messaging.models import Message

    if before is None:
        return {"since": timezone.now(), "messages": Message.objects.count(), "checkins": 0}
    return {
        "requested": Match.objects.filter(
            newcomer_id__in=[person["member"] for person in plan["requesters"]],
            state__in=OPEN_STATES,
        ).count(),
        "accepted": Match.objects.filter(
            pk__in=[person["match"] for person in plan["acceptors"]], state=MatchState.ACTIVE
        ).count(),
        "messages_sent": Message.objects.count() - before["messages"],
        "checkins_recorded": CheckIn.objects.count(),
        "signed_in": User.objects.filter(
            pk__in=[person["user"] for person in plan["sign_in"]],
            last_login__gte=before["since"],
        ).count(),
    }


def run(args, connection, folder: Path, broker: str | None) -> dict:
    plan = prepare(args, connection)
    before = outcomes(plan, None)
    (folder / "plan.json").write_text(json.dumps(plan))
    env = server_environment(args, connection, folder, broker)
    log("Collecting static files...")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
    )
    empty_redis(env)
    port = free_port()
    log_path = folder / "gunicorn.log"
    with open(log_path, "w") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "peerlink.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                # As the production image runs it (Dockerfile).
                "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-",
                "--logger-class", "peerlink.gunicorn_logging.RedactingLogger",
                "--config", "python:peerlink.gunicorn_config",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False

        if not wait_for(listening, timeout=60, interval=0.2):
            log(log_path.read_text()[-3000:])
            raise SystemExit("gunicorn did not start")
        log("Warming up (not measured)...")
        warm_up(port, plan, args.workers, args.quick)
        log(f"Playing the mix with {args.users} members for {args.seconds} s...")
        steps = locust(
            args, port, folder, env, "Mix", args.seconds, BENCH_WEB_THINK=args.think,
            BENCH_WEB_ONCE="0/2",
        )  # fmt: skip
        log(f"Playing the mix with no pause for {args.seconds} s...")
        rushed = locust(
            args, port, folder, env, "Mix", args.seconds, BENCH_WEB_THINK="0", BENCH_WEB_ONCE="1/2"
        )
        log(f"reference alone for {args.page_seconds} s...")
        pages = {
            PAGES[0][0]: locust(
                args, port, folder, env, "OnePage", args.page_seconds, BENCH_WEB_PAGE=PAGES[0][1]
            )["Aggregated"]
        }
        for label, path, pool, field in PAGES[1:]:
            if args.quick:  # a smoke run: each page alone, against the first measure
                log(f"{label} alone for {args.page_seconds} s...")
                pages[label] = alone(args, port, folder, env, path, pool, field, pages)
            else:
                log(f"{label} and the reference in turns, {args.page_seconds} s each...")
                pages[label] = alternating(args, port, folder, env, path, pool, field)
        rss = worker_rss_mb(server.pid)
    finally:
        stop([server])
        empty_redis(env)
    if any(row["errors"] for row in [*steps.values(), *rushed.values(), *pages.values()]):
        log(log_path.read_text()[-3000:])

    done = outcomes(plan, before)
    baseline = pages["reference"]["rps"]
    overall = steps.pop("Aggregated")
    summary = {
        "database": connection.vendor,
        "newcomers": args.newcomers,
        "mentors": args.mentors,
        "concurrency": args.users,
        "workers": args.workers,
        "seconds": args.seconds,
        "page_seconds": args.page_seconds,
        "think": args.think,
        "overall": overall,
        "steps": steps,
        "no_pause": {"overall": rushed.pop("Aggregated"), "steps": rushed},
        "baseline_rps": baseline,
        "pages": pages,
        "worker_rss_mb": rss,
        "done": done,
    }
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    main()
