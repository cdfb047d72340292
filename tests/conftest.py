"""People as fixtures: a newcomer, a mentor, someone with no access, and staff."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings

from peerlink import mail
from peerlink.periodic_tasks import sync_periodic_tasks
from tests.factories import MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)
from tests.smtp import running_sink

PASSWORD = "correct horse battery"

# The same examples on every run: CI must not turn red on a new random draw.
# Explore with `--hypothesis-seed=<n>` or `--hypothesis-profile=explore`.
hypothesis_settings.register_profile("peerlink", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile("peerlink")


@pytest.fixture
def newcomer(db):
    return NewcomerFactory(user__email="alice@example.org", display_name="Alice")


@pytest.fixture
def mentor(db):
    return MentorFactory(user__email="bob@example.org", display_name="Bob")


@pytest.fixture
def staff_user(db):
    user = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    user.totp_secret = add_authenticator_app(with_verified_email(user))
    return user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def newcomer_client(newcomer):
    return _client_for(newcomer.user)


@pytest.fixture
def mentor_client(mentor):
    return _client_for(mentor.user)


@pytest.fixture
def staff_client(staff_user):
    """Staff signed in as they must be for the admin: password, then their app's code."""
    client = Client()
    sign_in(client, staff_user.email)
    enter_code(client, current_code(staff_user.totp_secret))
    assert client.get("/admin/").status_code == 200
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache, and suggested mentors' cards in each process
    (keyed on ids that a rolled-back test may hand out again): each test starts with none."""
    from django.core.cache import cache

    from matching import selectors

    cache.clear()
    selectors._mentor_cards.clear()
    yield
    cache.clear()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Run the browser tests last.

    Playwright's session-wide event loop makes Django refuse synchronous ORM
    calls from the main thread once it has started, so nothing may follow it.
    """
    items.sort(key=lambda item: "tests/e2e/" in str(item.fspath))


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Point Celery at a Redis broker nobody listens on: a real refused connection, not a mock."""
    from peerlink.celery import app as celery_app

    url = "redis://127.0.0.1:1/0"
    # Celery prefers the CELERY_BROKER_URL environment variable over its settings.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setitem(celery_app.conf, "broker_url", url)
    monkeypatch.setitem(celery_app.conf, "broker_transport", None)
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    return url


# --- Committed rows for real worker processes --------------------------------------
#
# `seeded_transactional_db` is for tests that need committed rows (real worker
# processes read them). Transactional tests end with a flush that also empties
# what the data migrations seeded (the taxonomy, the beat schedule), and later
# transactional tests elsewhere in the suite count on it; so the seed data is
# put back after the flush. The reminder pipeline and the log canary use it.

# The data migrations whose forward functions are idempotent (get_or_create),
# as (module, function). Beat's schedule is written by `sync_periodic_tasks`.
SEED_MIGRATIONS = [
    ("members.migrations.0002_seed_taxonomy", "seed"),
    ("programme.migrations.0002_staff_groups", "create_staff_groups"),
]

_BLOCKER = pytest.StashKey[tuple]()


def seed_migration_data() -> None:
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    sync_periodic_tasks()


@pytest.fixture
def seeded_transactional_db(request, transactional_db, django_db_blocker):
    """A transactional database holding the migrations' seed data, before and after."""
    seed_migration_data()
    request.node.stash[_BLOCKER] = (django_db_blocker, connection.settings_dict["NAME"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        # Only after a test that flushed the test database, while it still exists: after
        # the last test the session's teardown has dropped it and the connection points
        # at the real database again.
        blocker, test_database = item.stash.get(_BLOCKER, (None, None))
        if (
            blocker is not None
            and nextitem is not None
            and connection.settings_dict["NAME"] == test_database
        ):
            with blocker.unblock():
                seed_migration_data()


@pytest.fixture
def smtp(settings):
    """Email goes to a real SMTP server on loopback; the test reads what it received."""
    with running_sink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", sink.port, 5
        yield sink
        mail.close()
