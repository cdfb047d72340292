"""Test settings: development's (with its generated secret key), fast hashing,
in-memory email, and the same database and broker choice as base (SQLite and
the embedded broker unless DATABASE_URL and CELERY_BROKER_URL point at
PostgreSQL and Redis)."""

from .development import *  # noqa: F403
from .development import env

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
