"""Personal tokens (made and revoked on the profile) and integration tokens (admin only)."""

import datetime
import hashlib
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import IntegrationToken, PersonalToken, Scope
from members.models import ConsentRecord
from tests.api.conftest import bearer, make_integration_token

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"pl[pi]_[0-9a-f]{8}_[A-Za-z0-9_-]+")


def test_the_profile_links_to_apps_and_tokens(newcomer_client):
    response = newcomer_client.get(reverse("members:profile"))
    assert "Apps and tokens" in response.text
    assert reverse("tokens:list") in response.text


def test_a_member_creates_a_token_sees_it_once_and_it_works(newcomer_client, newcomer):
    response = newcomer_client.post(reverse("tokens:list"), {"name": "my phone"})
    assert response.status_code == 200
    [secret] = TOKEN.findall(response.text)
    stored = PersonalToken.objects.get(member=newcomer)
    assert stored.name == "my phone"
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.prefix, stored.token_hash}
    # Never shown again.
    assert secret not in newcomer_client.get(reverse("tokens:list")).text

    me = Client().get(reverse("api:v1:me"), **bearer(secret))
    assert me.status_code == 200
    assert me.json()["display_name"] == "Alice"
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    page = newcomer_client.get(reverse("tokens:list")).text
    assert "my phone" in page and "last used" in page


def test_a_token_needs_a_name(newcomer_client, newcomer):
    response = newcomer_client.post(reverse("tokens:list"), {"name": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not PersonalToken.objects.exists()


def test_a_revoked_token_is_401_and_changes_nothing(newcomer_client, newcomer, newcomer_token):
    token = PersonalToken.objects.get(member=newcomer)
    response = newcomer_client.post(reverse("tokens:revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.text
    response = Client().patch(
        reverse("api:v1:me"),
        {"display_name": "Mallory"},
        content_type="application/json",
        **bearer(newcomer_token),
    )
    assert response.status_code == 401
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Alice"
    assert not ConsentRecord.objects.filter(member=newcomer).exists()


def test_a_member_cannot_revoke_someone_elses_token(mentor_client, newcomer, newcomer_token):
    token = PersonalToken.objects.get(member=newcomer)
    response = mentor_client.post(reverse("tokens:revoke", args=[token.pk]))
    assert response.status_code == 404
    assert Client().get(reverse("api:v1:me"), **bearer(newcomer_token)).status_code == 200


def test_a_wrong_secret_with_a_real_prefix_is_401(newcomer_token):
    kind, prefix, _secret = newcomer_token.split("_", 2)
    forged = f"{kind}_{prefix}_{'x' * 43}"
    assert Client().get(reverse("api:v1:me"), **bearer(forged)).status_code == 401


def test_a_deleted_members_token_stops_working(newcomer, newcomer_token):
    from members.services import delete_account

    delete_account(member=newcomer)
    assert Client().get(reverse("api:v1:me"), **bearer(newcomer_token)).status_code == 401
    assert not PersonalToken.objects.exists()


def test_staff_issue_an_integration_token_in_the_admin_and_see_it_once(staff_client, staff_user):
    response = staff_client.post(
        reverse("admin:api_integrationtoken_add"),
        {"name": "Case notes", "scopes": [Scope.REPORTING_READ]},
    )
    # The answer to saving shows the token, and is never stored by a browser or proxy.
    assert response.status_code == 200, response.content
    [secret] = TOKEN.findall(response.text)
    assert "only this once" in response.text
    assert "no-store" in response["Cache-Control"]
    token = IntegrationToken.objects.get()
    assert token.created_by == staff_user
    assert token.scopes == [Scope.REPORTING_READ]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    # Nowhere else: not in a cookie (the messages cookie is not encrypted), not in the
    # session, not on any later page.
    assert not any(secret in morsel.value for morsel in response.cookies.values())
    assert not any(secret in str(m) for m in get_messages(response.wsgi_request))
    assert secret not in str(dict(staff_client.session.items()))
    for page in (
        reverse("admin:api_integrationtoken_changelist"),
        reverse("admin:api_integrationtoken_change", args=[token.pk]),
    ):
        assert secret not in staff_client.get(page).text


def test_staff_without_their_second_factor_cannot_issue_tokens(staff_user):
    client = Client()
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:api_integrationtoken_add"),
        {"name": "Case notes", "scopes": [Scope.STAFF_WRITE]},
    )
    assert response.status_code == 302
    assert not IntegrationToken.objects.exists()


def test_staff_revoke_an_integration_token_in_the_admin(staff_client, reporting_token):
    token = IntegrationToken.objects.get()
    staff_client.post(
        reverse("admin:api_integrationtoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        Client().get(reverse("api:v1:staff-reporting"), **bearer(reporting_token)).status_code
        == 401
    )


def test_an_expired_integration_token_is_401(staff_user):
    secret = make_integration_token(
        staff_user, [Scope.REPORTING_READ], expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert Client().get(reverse("api:v1:staff-reporting"), **bearer(secret)).status_code == 200
    IntegrationToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Client().get(reverse("api:v1:staff-reporting"), **bearer(secret)).status_code == 401


@pytest.mark.urls("tests.api.error_urls")
def test_an_integration_token_without_the_scope_is_403(reporting_token, staff_write_token):
    assert Client().get("/reporting/", **bearer(reporting_token)).status_code == 200
    response = Client().get("/reporting/", **bearer(staff_write_token))
    assert response.status_code == 403
    assert "reporting:read" in response.json()["error"]["message"]


def test_an_integration_token_is_not_a_member(reporting_token):
    response = Client().get(reverse("api:v1:me"), **bearer(reporting_token))
    assert response.status_code == 403
    response = Client().patch(
        reverse("api:v1:me"),
        {"display_name": "X"},
        content_type="application/json",
        **bearer(reporting_token),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["tags", "languages"])
def test_an_integration_token_reads_no_endpoint_outside_its_scopes(reporting_token, name):
    response = Client().get(reverse(f"api:v1:{name}"), **bearer(reporting_token))
    assert response.status_code == 403
    assert "one of its scopes" in response.json()["error"]["message"]


def test_members_and_staff_still_read_tags(newcomer_client, staff_client, token_client):
    for client in (newcomer_client, staff_client, token_client):
        assert client.get(reverse("api:v1:tags")).status_code == 200


def test_a_member_token_cannot_pass_as_a_scoped_token(token_client, settings):
    settings.ROOT_URLCONF = "tests.api.error_urls"
    assert token_client.get("/reporting/").status_code == 403


def test_a_token_request_marks_the_member_active_and_leaves_no_session(newcomer, token_client):
    from django.contrib.sessions.models import Session

    response = token_client.get(reverse("api:v1:me"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.last_active_at is not None


def test_an_issued_integration_token_cannot_be_edited(staff_client, reporting_token):
    token = IntegrationToken.objects.get()
    url = reverse("admin:api_integrationtoken_change", args=[token.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "Case notes" in page.text
    staff_client.post(url, {"name": "Renamed", "scopes": [Scope.STAFF_WRITE]})
    token.refresh_from_db()
    assert (token.name, token.scopes) == ("Case notes", [Scope.REPORTING_READ])
