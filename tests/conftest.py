"""People as fixtures: a newcomer, a mentor, someone with no access, and staff."""

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.factories import MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)

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
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
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
