import pytest
from django.db import connection

from peerlink.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_health_check_reports_database_and_broker_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_check_names_an_unreachable_broker(client, monkeypatch):
    # Nothing listens on port 1: a real refused connection, not a mock.
    # Celery prefers the CELERY_BROKER_URL environment variable over its settings.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
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
