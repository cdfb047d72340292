"""The benchmarks' database: a throwaway one, never real data."""

import contextlib


@contextlib.contextmanager
def throwaway_database():
    """Create a test database the way the test runner does, yield the connection, drop it."""
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
