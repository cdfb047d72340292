"""The sign-in, sign-up and password pages speak PeerLink's voice, not allauth's stock words."""

import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client

from tests.second_factor import add_authenticator_app, sign_in, with_verified_email

pytestmark = pytest.mark.django_db

STOCK_WORDS = [
    "Sign Up",
    "Sign In",
    "Signup",
    "Remember Me",
    "Password (again)",
    "Reset My Password",
    "Bad Token",
    "Verify Your Email Address",
    "Confirm Access",
    "reauthenticate",
    "Two-Factor Authentication",
    "Make Primary",
    "Re-send Verification",
    "finalize the signup process",
    "Please contact us",
]


def visible_text(response) -> str:
    page = response.content.decode()
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", page)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def assert_in_our_words(response, *expected: str):
    assert response.status_code == 200
    text = visible_text(response)
    for words in STOCK_WORDS:
        assert words not in text, f"{words!r} on {response.request['PATH_INFO']}"
    for words in expected:
        assert words in text, f"{words!r} missing on {response.request['PATH_INFO']}"


def test_signed_out_account_pages_speak_peerlinks_voice(client):
    assert_in_our_words(
        client.get("/accounts/login/"), "Sign in to PeerLink", "Keep me signed in on this device"
    )
    assert_in_our_words(client.get("/accounts/signup/"), "Create your account", "Create my account")
    assert_in_our_words(client.get("/accounts/password/reset/"), "Reset your password")
    assert_in_our_words(client.get("/accounts/password/reset/done/"), "Check your email")
    assert_in_our_words(
        client.get("/accounts/password/reset/key/1-set-password/", follow=True),
        "That link didn't work",
    )
    assert_in_our_words(client.get("/accounts/confirm-email/nonsense/"), "That link didn't work")


def test_sign_up_and_its_confirmation_speak_peerlinks_voice(client):
    response = client.post(
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
        follow=True,
    )
    assert_in_our_words(response, "Check your email", "finish creating your account")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert_in_our_words(client.get(link.group(1)), "Confirm your email address")


def test_a_password_reset_link_asks_for_a_new_password_in_peerlinks_voice(client, newcomer):
    client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)

    response = client.get(link.group(1), follow=True)

    assert_in_our_words(response, "Choose a new password", "Type the new password again")


def test_signed_in_account_pages_speak_peerlinks_voice(newcomer):
    client = Client()
    client.force_login(newcomer.user)

    assert_in_our_words(client.get("/accounts/logout/"), "Sign out")
    assert_in_our_words(
        client.get("/accounts/password/change/"), "Change your password", "Your current password"
    )
    assert_in_our_words(client.get("/accounts/email/"), "Your email address")
    assert_in_our_words(client.get("/accounts/reauthenticate/"), "Confirm it's you")


def test_the_second_step_of_signing_in_speaks_peerlinks_voice(client, newcomer):
    with_verified_email(newcomer.user)
    add_authenticator_app(newcomer.user)

    response = sign_in(client, "alice@example.org", follow=True)

    assert_in_our_words(response, "Enter your sign-in code", "authenticator app")
