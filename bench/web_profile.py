"""Where a member page's time goes, one request at a time: cProfile and query counts.

    DATABASE_URL=postgres://…/peerlink_NAME python -m bench.web_profile --seed
    DATABASE_URL=postgres://…/peerlink_NAME python -m bench.web_profile [--repeat 20] [--top 25]

`--seed` migrates the database DATABASE_URL names (it must be a scratch
database of your own: it is filled with synthetic people) and seeds it as
`python -m bench.web` does, keeping the plan beside it in the var folder. Then
each member page is asked for `--repeat` times through Django's test client,
as rotating members of the plan; the last line is one JSON object per page:
milliseconds per request (without and with cProfile), queries, and the time
inside the database driver. `--top` prints cProfile's heaviest calls per page
(cumulative) to standard error.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import time
from pathlib import Path

from bench.web import PAGES

SECRET_FILE = "bench-web-profile-secret"
PLAN_FILE = "bench-web-profile-plan.json"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--newcomers", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--page", action="append", help="only these paths")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed
    logging.disable(logging.INFO)

    plan_path = Path(settings.VAR_DIR) / PLAN_FILE
    if args.seed:
        seed(args, plan_path)
    plan = json.loads(plan_path.read_text())
    return profile(args, plan)


def seed(args, plan_path: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench.web import prepare

    call_command("migrate", verbosity=0)
    plan = prepare(argparse.Namespace(newcomers=args.newcomers, mentors=args.mentors), connection)
    plan_path.parent.mkdir(parents=True, exist_ok=True)
    plan_path.write_text(json.dumps(plan))


class DriverTime:
    """A query wrapper that adds up the queries and the time inside the driver."""

    def __init__(self):
        self.queries, self.seconds = 0, 0.0

    def __call__(self, execute, query, params, many, context):
        began = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.queries += 1


def profile(args, plan: dict) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    client = Client()
    results = {}
    for label, path, pool, field in PAGES:
        if path.startswith("/bench/") or (args.page and path not in args.page):
            continue
        people = plan[pool] if pool else [None]
        cookie = settings.SESSION_COOKIE_NAME

        def ask(n: int, path=path, people=people, field=field, cookie=cookie):
            person = people[n % len(people)]
            client.cookies.clear()
            if person:
                client.cookies[cookie] = person[field]
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        for n in range(3):  # warm: templates, connections
            ask(n)
        started = time.perf_counter()
        for n in range(args.repeat):
            ask(n)
        plain = (time.perf_counter() - started) / args.repeat
        sql = DriverTime()
        profiler = cProfile.Profile()
        with connection.execute_wrapper(sql):
            profiler.enable()
            for n in range(args.repeat):
                ask(n)
            profiler.disable()
        results[label] = {
            "ms": round(plain * 1000, 1),
            "queries": round(sql.queries / args.repeat, 1),
            "sql_ms": round(sql.seconds * 1000 / args.repeat, 1),
        }
        if args.top:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(args.top)
            print(f"===== {label} {path} {results[label]}", file=sys.stderr)
            print(out.getvalue(), file=sys.stderr)
    print(json.dumps(results), flush=True)
    return results


if __name__ == "__main__":
    main()
