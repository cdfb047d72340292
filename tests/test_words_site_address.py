"""Every email names PeerLink and links to the one configured site address."""

import re

import pytest
from django.core import mail
from django.test import Client

from matching import services as matching_services
from matching.notifications import send_match_email
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

SITE = "https://peerlink.example.org"


@pytest.fixture(autouse=True)
def configured_site(settings):
    settings.PEERLINK_SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]


def links(message) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", message.body)


def assert_from_the_configured_site(message):
    found = links(message)
    assert found and all(link.startswith(SITE + "/") for link in found), found
    assert "PeerLink" in message.body
    assert "Hello from" not in message.body
    assert "127.0.0.1" not in message.body and "testserver" not in message.body


def test_the_sign_up_confirmation_email_uses_the_configured_address():
    Client(HTTP_HOST="127.0.0.1:18860").post(
        "/accounts/signup/",
        {
            "role": "newcomer",
            "display_name": "Rosa",
            "birth_year": "1979",
            "is_adult": "on",
            "email": "rosa@example.org",
            "password1": "slow mornings and coffee",
            "password2": "slow mornings and coffee",
        },
    )

    [message] = mail.outbox
    assert_from_the_configured_site(message)
    assert f"{SITE}/accounts/confirm-email/" in message.body


def test_the_confirmation_link_from_the_email_works_on_the_site(client):
    client.post(
        "/accounts/signup/",
        {
            "role": "newcomer",
            "display_name": "Rosa",
            "birth_year": "1979",
            "is_adult": "on",
            "email": "rosa@example.org",
            "password1": "slow mornings and coffee",
            "password2": "slow mornings and coffee",
        },
    )
    path = links(mail.outbox[-1])[0].removeprefix(SITE)

    assert client.post(path).status_code == 302


def test_a_password_reset_email_uses_the_configured_address(newcomer):
    Client(HTTP_HOST="127.0.0.1:18860").post(
        "/accounts/password/reset/", {"email": "alice@example.org"}
    )

    [message] = mail.outbox
    assert_from_the_configured_site(message)
    assert f"{SITE}/accounts/password/reset/key/" in message.body


def test_a_match_email_uses_the_configured_address():
    mentor = MentorFactory()
    match = matching_services.match_request(
        newcomer=NewcomerFactory(), mentor_ids=[mentor.pk], user=None
    )
    mail.outbox.clear()

    assert send_match_email(match_id=match.pk, event="requested")

    [message] = mail.outbox
    assert_from_the_configured_site(message)
