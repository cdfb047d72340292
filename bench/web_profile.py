"""Where a member page's time goes, one request at a time: cProfile and query counts.

    DATABASE_URL=postgres://… python -m bench.web_profile [--repeat 40] [--top 40] [--sql] [--small]

It seeds a throwaway database of its own as `python -m bench.web` does (10,000
newcomers and 3,000 mentors; `--small`: 600 and 200), never real data, then
asks for each member page `--repeat` times through Django's test client, as
rotating members of the same plan. The last line is one JSON object, per page:
milliseconds per request (without the profiler), queries, the time inside the
database driver, and the Python function calls per request in thousands
(`kcalls`, counted by the profiler: unlike time, the same on a busy machine).
`--sql` prints one request's queries per page, and `--top` cProfile's heaviest
calls per page (cumulative), to standard error.
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

from bench.database import throwaway_database
from bench.web import PAGES


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="600 newcomers, 200 mentors")
    parser.add_argument(
        "--sql", action="store_true", help="print each page's queries (one request) to stderr"
    )
    args = parser.parse_args(argv)
    people = (600, 200) if args.small else (10_000, 3_000)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerlink.settings.test")
    # Emails about these synthetic people are queued in memory and dropped at exit.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    from bench.web import prepare

    setup_test_environment()  # the test client's host is allowed
    logging.disable(logging.INFO)
    with throwaway_database() as connection:
        plan = prepare(argparse.Namespace(newcomers=people[0], mentors=people[1]), connection)
        return profile(args, plan)


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
        if path.startswith("/bench/"):
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

        # Warm: templates, connections, and each of these members' page once, so that
        # the process has read their suggested mentors as a running worker has. The
        # member home is then measured as a reload (no visit to write).
        for n in range(args.repeat):
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
            # Python function calls, in thousands: unlike time, the same on a busy machine.
            "kcalls": round(pstats.Stats(profiler).total_calls / args.repeat / 1000, 1),
        }
        if args.sql:
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                ask(0)
            print(f"===== {label} {path}: {len(captured)} queries", file=sys.stderr)
            for query in captured:
                print(f"{query['time']}s  {query['sql'][:400]}", file=sys.stderr)
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
