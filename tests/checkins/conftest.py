"""Fixtures for the check-in tests.

`seeded_transactional_db` is for tests that need committed rows (real worker
processes read them). Transactional tests end with a flush that also empties
what the data migrations seeded (the taxonomy, the beat schedule), and later
transactional tests elsewhere in the suite count on it; so the seed data is
put back after the flush.
"""

import importlib

import pytest
from django.apps import apps
from django.db import connection

# The data migrations whose forward functions are idempotent (get_or_create),
# as (module, function).
SEED_MIGRATIONS = [
    ("members.migrations.0002_seed_taxonomy", "seed"),
    ("checkins.migrations.0002_schedule_periodic_tasks", "schedule"),
    ("matching.migrations.0002_schedule_periodic_tasks", "schedule"),
]

_BLOCKER = pytest.StashKey[tuple]()


def seed_migration_data() -> None:
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


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
