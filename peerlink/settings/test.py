"""Test settings: development's (with its generated secret key), fast hashing,
in-memory email, and the same database and broker choice as base (SQLite and
the embedded broker unless DATABASE_URL and CELERY_BROKER_URL point at
PostgreSQL and Redis).

Under pytest-xdist (`make test` runs the suite in parallel) each worker gets
its own var folder (the SQLite test database, the embedded broker's folders)
and its own Redis databases for the broker and the cache: worker gwN adds N to
the database number of CELERY_BROKER_URL and of CACHE_URL. A test that clears
the cache (every test does) flushes its own worker's database only.
pytest-django gives each worker its own test database.
"""

import os
from collections.abc import MutableMapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_PROJECT_DIR = Path(__file__).resolve().parent.parent.parent


def redis_database(url: str) -> int | None:
    """Return the database number of a redis:// URL, or None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return None
    return int(parts.path.strip("/") or 0)


def with_redis_database(url: str, database: int) -> str:
    """Return a redis:// URL pointing at another database of the same server."""
    return urlsplit(url)._replace(path=f"/{database}").geturl()


def isolate_parallel_worker(environ: MutableMapping[str, str], worker: str, workers: int) -> None:
    """Point this pytest-xdist worker (and every process it starts) at its own var
    folder and Redis databases, by rewriting `environ`.

    The environment, not only the settings: Celery reads CELERY_BROKER_URL from the
    environment first, and the worker and beat processes that tests start inherit it.
    Once per worker: those processes inherit PEERLINK_TEST_WORKER and leave it be.
    """
    if environ.get("PEERLINK_TEST_WORKER") == worker:
        return
    index = int(worker.removeprefix("gw"))
    var_dir = Path(environ.get("PEERLINK_VAR_DIR") or _PROJECT_DIR / "var")
    environ["PEERLINK_VAR_DIR"] = str(var_dir / "test-workers" / worker)
    taken: dict[tuple, str] = {}
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        url = environ.get(name, "")
        first = redis_database(url)
        if first is None:
            continue
        server = urlsplit(url).netloc
        for database in range(first, first + workers):
            if (server, database) in taken:
                raise ImproperlyConfigured(
                    f"With {workers} test workers, {name} and {taken[server, database]} "
                    f"share Redis database {database}: start them {workers} apart."
                )
            taken[server, database] = name
        environ[name] = with_redis_database(url, first + index)
    environ["PEERLINK_TEST_WORKER"] = worker


if os.environ.get("PYTEST_XDIST_WORKER"):
    isolate_parallel_worker(
        os.environ,
        os.environ["PYTEST_XDIST_WORKER"],
        int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")),
    )

from .development import *  # noqa: E402, F403
from .development import env  # noqa: E402

DEBUG = False
# Tests ask every staff account for its second factor, as production does.
PEERLINK_STAFF_MFA_EXEMPT: list[str] = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# Tasks enqueued on commit run inline, so tests see their emails. The real
# worker and beat processes the integration tests start set
# PEERLINK_TASKS_EAGER=false so their tasks go through the broker.
CELERY_TASK_ALWAYS_EAGER = env.bool("PEERLINK_TASKS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

# On SQLite the test database is a file, not memory, so the worker and beat
# processes the integration tests start can open it too.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
