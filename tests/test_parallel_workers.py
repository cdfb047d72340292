"""Test workers running side by side (pytest-xdist) each get their own Redis databases
and var folder, and so do the Celery processes those workers start."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from peerlink.settings.test import isolate_parallel_worker

CI = {
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8",
    "CACHE_URL": "redis://127.0.0.1:6379/12",
    "PEERLINK_VAR_DIR": "/srv/peerlink/var",
}


def test_each_worker_takes_the_next_redis_databases_and_a_var_folder_of_its_own():
    first, second = dict(CI), dict(CI)

    isolate_parallel_worker(first, "gw0", 2)
    isolate_parallel_worker(second, "gw1", 2)

    assert first["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/8"
    assert first["CACHE_URL"] == "redis://127.0.0.1:6379/12"
    assert second["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/9"
    assert second["CACHE_URL"] == "redis://127.0.0.1:6379/13"
    assert first["PEERLINK_VAR_DIR"] == "/srv/peerlink/var/test-workers/gw0"
    assert second["PEERLINK_VAR_DIR"] == "/srv/peerlink/var/test-workers/gw1"


def test_a_process_a_worker_starts_keeps_the_workers_databases_and_folder():
    worker = dict(CI)
    isolate_parallel_worker(worker, "gw1", 2)
    inherited = dict(worker)  # a Celery worker started by a test inherits the environment

    isolate_parallel_worker(inherited, "gw1", 2)

    assert inherited == worker


def test_a_password_and_options_in_the_redis_url_are_kept():
    environment = {"CELERY_BROKER_URL": "redis://:secret@redis.internal:6380/3?ssl_cert_reqs=none"}

    isolate_parallel_worker(environment, "gw2", 4)

    assert environment["CELERY_BROKER_URL"] == (
        "redis://:secret@redis.internal:6380/5?ssl_cert_reqs=none"
    )


def test_the_embedded_broker_and_local_memory_cache_are_left_alone_but_the_folder_is_not():
    environment = {"CELERY_BROKER_URL": "filesystem://localhost//"}

    isolate_parallel_worker(environment, "gw1", 2)

    assert environment["CELERY_BROKER_URL"] == "filesystem://localhost//"
    assert "CACHE_URL" not in environment
    assert environment["PEERLINK_VAR_DIR"].endswith("/var/test-workers/gw1")


def test_a_broker_and_cache_too_close_for_the_number_of_workers_are_refused():
    # Every test clears the cache, which empties its whole Redis database: a cache
    # sharing a database with another worker's broker would lose that worker's tasks.
    environment = {
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
    }

    with pytest.raises(ImproperlyConfigured, match="share Redis database 15"):
        isolate_parallel_worker(environment, "gw0", 2)


def test_a_broker_and_cache_on_different_servers_may_use_the_same_numbers():
    environment = {
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6380/0",
    }

    isolate_parallel_worker(environment, "gw1", 2)

    assert environment["CELERY_BROKER_URL"].endswith(":6379/1")
    assert environment["CACHE_URL"].endswith(":6380/1")
