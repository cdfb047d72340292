"""Every page shows crisis resources; pages are served without the internet."""

import json
import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from peerlink.views import server_error

pytestmark = pytest.mark.django_db

CRISIS_TEXT = ["988", "1-800-662-4357", "911", "not an emergency service"]


def assert_crisis_resources(html: str):
    for text in CRISIS_TEXT:
        assert text in html, text


@pytest.mark.parametrize(
    "url",
    ["/", "/accounts/signup/", "/accounts/login/", "/accounts/password/reset/", "/no-such-page/"],
)
def test_signed_out_pages_and_404_show_crisis_resources(client, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert_crisis_resources(response.content.decode())


def test_signed_in_pages_show_crisis_resources(newcomer_client):
    assert_crisis_resources(newcomer_client.get(reverse("members:profile")).content.decode())
    assert_crisis_resources(newcomer_client.get("/profile/about/").content.decode())


def test_server_error_page_shows_crisis_resources_without_a_stack_trace():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert_crisis_resources(html)
    assert "Traceback" not in html


def test_crisis_resources_come_from_settings(client, settings):
    settings.PEERLINK_CRISIS_RESOURCES = [
        {"label": "Samaritans", "detail": "Call 116 123", "href": "tel:116123"},
    ]
    settings.PEERLINK_CRISIS_NOTICE = (
        "PeerLink is not an emergency service. In an emergency call 999."
    )
    html = client.get("/").content.decode()
    assert "Samaritans" in html and "116 123" in html and "call 999" in html
    assert "1-800-662-4357" not in html


def test_crisis_resources_can_be_configured_from_the_environment(monkeypatch):
    import subprocess
    import sys

    resources = [{"label": "Lifeline", "detail": "13 11 14", "href": "tel:131114"}]
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.PEERLINK_CRISIS_RESOURCES[0]['label'])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "peerlink.settings.base",
        "DJANGO_SECRET_KEY": "k" * 50,
        "PEERLINK_CRISIS_RESOURCES": json.dumps(resources),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "Lifeline"


def test_pages_load_nothing_from_the_internet(client):
    html = client.get("/").content.decode() + client.get("/accounts/signup/").content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []


def test_pages_send_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_signed_in_members_are_offered_to_continue_instead_of_signing_up(newcomer_client):
    html = newcomer_client.get("/").content.decode()
    assert 'href="/me/"' in html
    assert "?role=newcomer" not in html


# --- Error pages: PeerLink's own, each with the crisis resources --------------

DEBUG_PAGE_TEXT = ["Traceback", "DisallowedHost", "CSRF verification failed", "urlpatterns"]


def assert_peerlink_error_page(response, status: int):
    html = response.content.decode()
    assert response.status_code == status
    assert_crisis_resources(html)
    for text in DEBUG_PAGE_TEXT:
        assert text not in html, text


def assert_crisis_footer(html: str):
    """The footer itself, not the settings a debug page lists (which hold the same numbers)."""
    assert "Need help right now?" in html
    assert '<a href="tel:988">' in html


def test_a_request_for_an_unknown_host_gets_a_400_page_with_crisis_resources(client):
    response = client.get("/", HTTP_HOST="attacker.example")

    assert_peerlink_error_page(response, 400)


def test_a_form_sent_without_its_csrf_token_gets_a_403_page_with_crisis_resources(newcomer):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})

    assert_peerlink_error_page(response, 403)
    assert "try again" in response.content.decode()


def test_an_unknown_page_gets_a_404_page_with_crisis_resources(newcomer_client):
    assert_peerlink_error_page(newcomer_client.get("/no-such-page/"), 404)


@pytest.mark.parametrize(
    ("request_arguments", "status"),
    [
        ({"path": "/no-such-page/"}, 404),
        ({"path": "/", "HTTP_HOST": "attacker.example"}, 400),
    ],
)
def test_debug_error_pages_still_show_crisis_resources(settings, request_arguments, status):
    settings.DEBUG = True

    response = Client().get(**request_arguments)

    assert response.status_code == status
    assert_crisis_footer(response.content.decode())


def test_a_csrf_failure_in_debug_still_shows_crisis_resources(settings, newcomer):
    settings.DEBUG = True
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})

    assert response.status_code == 403
    assert_crisis_footer(response.content.decode())


def test_development_settings_out_of_debug_serve_the_stylesheet(tmp_path):
    import subprocess
    import sys

    from tests.test_deployment import PROJECT_ROOT, production_environment

    code = (
        "import django; django.setup(); "
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from django.test import Client; "
        "response = Client().get('/static/css/peerlink.css'); "
        "print(response.status_code, response['Content-Type'])"
    )
    environment = production_environment(
        tmp_path, DJANGO_SETTINGS_MODULE="peerlink.settings.development"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["200", "text/css;"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_shows_crisis_resources_with_debug_on_or_off(settings, monkeypatch, debug):
    settings.DEBUG = debug

    def crash(*args, **kwargs):
        raise RuntimeError("the home page broke")

    monkeypatch.setattr("peerlink.views.render", crash)

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert_crisis_footer(response.content.decode())
    if not debug:
        assert_peerlink_error_page(response, 500)
