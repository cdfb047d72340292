"""Real Celery processes for the reminder tests and `bench/reminders.py`.

Each run starts its worker and beat on a queue of its own, so no other worker
on the broker takes its messages, in a process group of its own, so a
`kill -9` reaches the pool children too.
"""

from __future__ import annotations

import contextlib
import email
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Members in zones around the world; with no quiet hours every first check-in is due.
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
# Runs a Celery command with the default queue set to argv[1].
CELERY_ON_QUEUE = (
    "import sys; from peerlink.celery import app; "
    "app.conf.task_default_queue = sys.argv[1]; app.start(sys.argv[2:])"
)


def start_celery(arguments: list[str], *, queue: str, env: dict, log_path: Path):
    """Start `celery <arguments>` on `queue`, writing its output to `log_path`."""
    with open(log_path, "w") as output:
        return subprocess.Popen(
            [sys.executable, "-c", CELERY_ON_QUEUE, queue, *arguments],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


# Seconds a process may take to stop after SIGTERM before it is killed. What is
# tested has been checked by then; a worker in warm shutdown only delays the next test.
STOP_GRACE_SECONDS = 5


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop the processes and their groups: politely, then not."""
    for process in processes:
        signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.wait(timeout=10)
        # Pool children left behind by a main process that died first.
        signal_group(process, signal.SIGKILL)


def database_url(settings_dict: dict) -> str:
    """The URL of a Django database, for processes started from here."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"  # a file (the test settings)
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "127.0.0.1"
    return (
        f"postgres://{credentials}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


def forget_queue(broker_url: str, queue: str) -> None:
    """Remove a queue from Redis: its messages, bindings and unacknowledged ones."""
    if not broker_url.startswith("redis://"):
        return
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        # A killed worker's messages wait here for the visibility timeout, then return.
        for tag, raw in client.hscan_iter("unacked"):
            with contextlib.suppress(ValueError, IndexError):
                if json.loads(raw)[2] == queue:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
    except redis.RedisError:
        pass  # only tidying up


def reminder_id_in(raw: bytes) -> int | None:
    """Return the reminder id signed into a reminder email's one-click link."""
    from django.core import signing

    from checkins.services import LINK_SALT

    for part in email.message_from_bytes(raw).walk():
        if part.get_content_type() == "text/plain":
            found = LINK.search(part.get_payload(decode=True))
            if found:
                return signing.loads(found.group(1).decode(), salt=LINK_SALT)["reminder"]
    return None


def wait_for(predicate, timeout: float, interval: float = 0.1):
    """Poll `predicate` until it returns something true or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
