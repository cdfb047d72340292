"""Benchmark conversations: two browsers per conversation polling, one message a second.

    python -m bench.messages [--conversations 200] [--seconds 60] [--small]

It works in a throwaway database of its own (PostgreSQL when DATABASE_URL
points there), never in real data. It writes `conversations` active matches
with their conversations (a few messages each), signs both sides of each in,
then starts gunicorn with threads (--workers 2 --threads 8 unless told
otherwise) and plays the load: every member's open page asks
`/messages/<match>/new/?after=<last id>` every 3 seconds with the last answer's
ETag, as static/js/conversation.js does, and one member somewhere sends a
message every second through the page's JSON path. Latencies are measured by
the client, from request to full answer, over keep-alive connections.

Its last line is one JSON object: conversations, seconds, workers, threads,
database, sends, checks, not_modified (share of checks answered 304), errors,
send_p50_ms, send_p95_ms, new_p50_ms, new_p95_ms.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import json
import logging
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.database import throwaway_database
from tests.celery_processes import PROJECT_ROOT, database_url, stop, wait_for

POLL_SECONDS = 3.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to play the load")
    parser.add_argument("--small", action="store_true", help="20 conversations for 10 s, for CI")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--clients", type=int, default=8, help="client threads playing browsers")
    args = parser.parse_args(argv)
    if args.small:
        args.conversations, args.seconds = 20, 10.0

    folder = Path(tempfile.mkdtemp(prefix="peerlink-bench-messages-"))
    os.environ["PEERLINK_VAR_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    import django

    django.setup()
    try:
        with throwaway_database() as connection:
            return run(args, connection, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Data ------------------------------------------------------------------------


def create_conversations(count: int) -> list[tuple[int, int, int, int]]:
    """Write `count` active matches with a few messages each.

    Return (match id, newcomer user id, mentor user id, last message id) per match.
    """
    from django.utils import timezone

    from matching.models import Match, MatchOrigin, MatchState
    from members.models import Member, Role, User, VettingStatus
    from messaging.models import Conversation, Message, MessagingSettings, Participant

    MessagingSettings.get_solo()
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"bench{i}@example.org", password="!") for i in range(2 * count)
    )
    members = Member.objects.bulk_create(
        Member(
            user=user,
            role=Role.NEWCOMER if i < count else Role.MENTOR,
            display_name=f"Bench {i}",
            birth_year=1990,
            time_zone="America/New_York",
            onboarding_step=5,
            onboarded_at=now,
            vetting_status=VettingStatus.PENDING if i < count else VettingStatus.APPROVED,
        )
        for i, user in enumerate(users)
    )
    matches = Match.objects.bulk_create(
        Match(
            newcomer=members[i],
            mentor=members[count + i],
            state=MatchState.ACTIVE,
            origin=MatchOrigin.STAFF,
            score=0.5,
            sent_to_mentor_at=now,
            decided_at=now,
        )
        for i in range(count)
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
    return [
        (match.pk, match.newcomer.user_id, match.mentor.user_id, last[match.pk])
        for match in matches
    ]


def session_cookie(user_id: int) -> str:
    from django.conf import settings
    from django.test import Client

    from members.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# --- The load ----------------------------------------------------------------------


class Browser:
    """One member's open conversation page."""

    def __init__(self, match_id: int, session: str, last_id: int):
        self.match_id = match_id
        self.csrf = secrets.token_hex(16)
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"
        self.last_id = last_id
        self.etag = None


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.send_ms: list[float] = []
        self.new_ms: list[float] = []
        self.not_modified = 0
        self.errors = 0

    def add(self, kind: str, ms: float, status: int) -> None:
        with self.lock:
            (self.send_ms if kind == "send" else self.new_ms).append(ms)
            self.not_modified += status == 304
            self.errors += status not in (200, 201, 304)


def request(connection_box: list, port: int, method: str, path: str, headers: dict, body=None):
    for attempt in range(2):
        if connection_box[0] is None:
            connection_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection_box[0].request(method, path, body=body, headers=headers)
            response = connection_box[0].getresponse()
            return response.status, response.getheader("ETag"), response.read()
        except (http.client.HTTPException, OSError):
            connection_box[0].close()
            connection_box[0] = None
            if attempt:
                raise
    raise AssertionError("unreachable")


def check(browser: Browser, box: list, port: int, results: Results) -> None:
    headers = {"Accept": "application/json", "Cookie": browser.cookie}
    if browser.etag:
        headers["If-None-Match"] = browser.etag
    path = f"/messages/{browser.match_id}/new/?after={browser.last_id}"
    started = time.perf_counter()
    status, etag, body = request(box, port, "GET", path, headers)
    results.add("new", (time.perf_counter() - started) * 1000, status)
    if status == 200:
        browser.etag = etag
        messages = json.loads(body)["messages"]
        if messages:
            browser.last_id = max(message["id"] for message in messages)


def send(browser: Browser, box: list, port: int, results: Results, n: int) -> None:
    from urllib.parse import urlencode

    body = urlencode({"text": f"Benchmark message {n}", "token": secrets.token_hex(8)})
    headers = {
        "Accept": "application/json",
        "Cookie": browser.cookie,
        "X-CSRFToken": browser.csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.perf_counter()
    status, _, _ = request(box, port, "POST", f"/messages/{browser.match_id}/send/", headers, body)
    results.add("send", (time.perf_counter() - started) * 1000, status)


def play(args, browsers: list[Browser], port: int) -> Results:
    """Poll every browser every 3 s and send one message a second, for args.seconds."""
    results = Results()
    start = time.monotonic() + 0.5
    end = start + args.seconds
    # Each client thread plays a share of the browsers; their polls are spread evenly.
    shares = [browsers[i :: args.clients] for i in range(args.clients)]

    def poller(share: list[Browser]) -> None:
        box = [None]
        queue = [
            (start + POLL_SECONDS * i / max(1, len(browsers)) * args.clients, n, b)
            for n, (i, b) in enumerate(enumerate(share))
        ]
        heapq.heapify(queue)
        while queue:
            due, n, browser = heapq.heappop(queue)
            if due >= end:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            check(browser, box, port, results)
            heapq.heappush(queue, (due + POLL_SECONDS, n, browser))

    def sender() -> None:
        box = [None]
        chooser = random.Random(0)
        n = 0
        due = start
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            send(chooser.choice(browsers), box, port, results, n)
            n += 1
            due += 1.0

    threads = [threading.Thread(target=poller, args=(share,)) for share in shares]
    threads.append(threading.Thread(target=sender))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def warm_up(browsers: list[Browser], port: int) -> None:
    """Open each page's first check and send a few messages: workers load what they
    load once (templates, URL patterns, connections) before anything is measured."""
    ignored = Results()
    box = [None]
    for browser in browsers:
        check(browser, box, port, ignored)
    for n, browser in enumerate(browsers[:8]):
        send(browser, box, port, ignored, n)
    if ignored.errors:
        raise SystemExit(f"{ignored.errors} requests failed while warming up")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def run(args, connection, folder: Path) -> dict:
    logging.disable(logging.INFO)  # sign-ins below log one line each
    log(f"Writing {args.conversations} conversations...")
    rows = create_conversations(args.conversations)
    browsers = []
    for match_id, newcomer_user, mentor_user, last_id in rows:
        for user_id in (newcomer_user, mentor_user):
            browsers.append(Browser(match_id, session_cookie(user_id), last_id))

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "PEERLINK_VAR_DIR": str(folder),
    }
    log_path = folder / "gunicorn.log"
    with open(log_path, "w") as output:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "peerlink.wsgi:application",
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(args.workers),
                "--worker-class", "gthread",
                "--threads", str(args.threads),
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
        log("Opening every page once (not measured)...")
        warm_up(browsers, port)
        log(
            f"Playing {len(browsers)} browsers and one message a second for {args.seconds:.0f} s..."
        )
        results = play(args, browsers, port)
    finally:
        stop([server])

    checks = len(results.new_ms)
    summary = {
        "conversations": args.conversations,
        "seconds": args.seconds,
        "workers": args.workers,
        "threads": args.threads,
        "database": connection.vendor,
        "sends": len(results.send_ms),
        "checks": checks,
        "not_modified": round(results.not_modified / checks, 3) if checks else 0,
        "errors": results.errors,
        "send_p50_ms": round(percentile(results.send_ms, 0.50), 1),
        "send_p95_ms": round(percentile(results.send_ms, 0.95), 1),
        "new_p50_ms": round(percentile(results.new_ms, 0.50), 1),
        "new_p95_ms": round(percentile(results.new_ms, 0.95), 1),
    }
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    main()
