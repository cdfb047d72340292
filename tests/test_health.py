import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_health_check_reports_database_and_broker_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_check_names_an_unreachable_broker(client, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_health_check_names_an_unreachable_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def wsgi_get(path: str) -> tuple[str, bytes]:
    """GET through Django's WSGI handler as a server calls it (the test client
    skips the connection checks a real request starts with)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    environ = {"PATH_INFO": path, "HTTP_HOST": "localhost"}
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], body


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend")
def test_after_the_database_drops_the_connection_the_next_request_succeeds(settings):
    import psycopg2

    from members.models import User

    assert connection.settings_dict["CONN_MAX_AGE"] > 0  # connections are kept between requests
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert wsgi_get("/healthz")[0].startswith("200")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    # Another session ends this connection, as a database restart or failover would.
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()

    status, body = wsgi_get("/healthz")
    assert status.startswith("200"), body
    assert b'"database": "ok"' in body
    User.objects.create(email="after-drop@example.org")  # and writes work again
