"""Staff open the admin only after a second factor in this session: their authenticator
app's code, or one of their recovery codes, once."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.second_factor import (
    PASSWORD,
    add_authenticator_app,
    current_code,
    enter_code,
    recovery_codes,
    sign_in,
    signed_in_user_id,
    with_verified_email,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
MEMBER_LIST = reverse("admin:members_member_changelist")


@pytest.fixture
def coordinator(db):
    return with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )


def admin_opens(client) -> bool:
    response = client.get(MEMBER_LIST)
    return response.status_code == 200 and "Select member to change" in response.content.decode()


def test_the_admin_sign_in_page_sends_people_to_the_one_sign_in_form(client):
    response = client.get("/admin/login/?next=" + MEMBER_LIST)
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=" + MEMBER_LIST


def test_posting_a_password_to_the_admin_sign_in_page_signs_nobody_in(client, coordinator):
    client.post(
        "/admin/login/", {"username": coordinator.email, "password": "correct horse battery"}
    )
    assert signed_in_user_id(client) is None


def test_staff_without_an_authenticator_app_set_one_up_before_the_admin_opens(client, coordinator):
    sign_in(client, coordinator.email)
    response = client.get(MEMBER_LIST, follow=True)
    assert not admin_opens(client)
    # Setting up a second factor asks for the password again first.
    reauthenticate = response.redirect_chain[-1][0]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    response = client.post(reauthenticate, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    page = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, no script needed
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    code = current_code(secret.group(1))
    response = client.post(reverse("mfa_activate_totp"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_view_recovery_codes")
    assert not admin_opens(client)

    response = client.get(MEMBER_LIST, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_reauthenticate"))
    client.post(response.redirect_chain[-1][0], {"code": code})
    assert admin_opens(client)


def test_staff_with_an_app_must_enter_its_code_before_the_admin_opens(client, coordinator):
    secret = add_authenticator_app(coordinator)
    response = sign_in(client, coordinator.email)
    assert response.url == reverse("mfa_authenticate")
    assert not admin_opens(client)

    response = enter_code(client, "000000" if current_code(secret) != "000000" else "111111")
    assert not admin_opens(client)

    enter_code(client, current_code(secret))
    assert admin_opens(client)


def test_a_session_without_the_second_factor_is_asked_for_the_code(coordinator):
    secret = add_authenticator_app(coordinator)
    client = Client()
    client.force_login(coordinator)  # signed in with a password only, somehow
    response = client.get(MEMBER_LIST, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_reauthenticate"))
    assert not admin_opens(client)

    response = client.post(
        response.redirect_chain[-1][0], {"code": current_code(secret)}, follow=True
    )
    assert response.redirect_chain[-1][0] == MEMBER_LIST
    assert admin_opens(client)


def test_a_recovery_code_opens_the_admin_once(coordinator):
    add_authenticator_app(coordinator)
    code = recovery_codes(coordinator)[0]

    first = Client()
    sign_in(first, coordinator.email)
    enter_code(first, code)
    assert admin_opens(first)

    second = Client()
    sign_in(second, coordinator.email)
    enter_code(second, code)
    assert not admin_opens(second)
    assert signed_in_user_id(second) is None


def test_members_cannot_open_the_admin_even_when_signed_in(newcomer_client):
    assert newcomer_client.get(MEMBER_LIST).status_code in (302, 403)
    assert newcomer_client.get("/admin/login/").status_code == 403


def test_development_settings_let_only_the_demo_staff_in_without_a_code(coordinator, settings):
    other = UserFactory(email="other.coordinator@example.org", is_staff=True, is_superuser=True)
    settings.PEERLINK_STAFF_MFA_EXEMPT = [coordinator.email]
    demo, colleague = Client(), Client()
    sign_in(demo, coordinator.email)
    sign_in(colleague, other.email)
    assert admin_opens(demo)
    assert not admin_opens(colleague)


def test_only_development_settings_exempt_anyone_from_the_code():
    from members.management.commands.seed_demo import STAFF_EMAIL
    from peerlink.settings import base, development

    assert base.PEERLINK_STAFF_MFA_EXEMPT == []
    assert development.PEERLINK_STAFF_MFA_EXEMPT == [STAFF_EMAIL]
