"""A member's rights over their data through the API: the accounting of disclosures,
the data export, and deleting the account."""

import pytest
from django.test import Client
from django.urls import reverse

from api import services as api_services
from api.models import PersonalToken
from audit.models import Disclosure
from audit.services import record_match_disclosures, record_staff_read
from members.models import Member
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db

DISCLOSURES = "/api/v1/me/disclosures/"
EXPORT = "/api/v1/me/export/"
DELETE = "/api/v1/me/delete/"


def delete(client, password):
    return client.post(DELETE, {"password": password}, content_type="application/json")


def test_the_urls_are_versioned():
    assert reverse("api:v1:me-disclosures") == DISCLOSURES
    assert reverse("api:v1:me-export") == EXPORT
    assert reverse("api:v1:me-delete") == DELETE


def test_the_accounting_names_each_peer_as_the_member_sees_them_and_each_staff_read(
    token_client, newcomer, mentor, staff_user
):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    record_match_disclosures(match)
    assert Disclosure.objects.filter(member_id=newcomer.pk).exists()
    record_staff_read(staff_user, newcomer, ["profile"], "safety")
    body = token_client.get(DISCLOSURES).json()
    assert [peer["peer"] for peer in body["peers"]] == ["Bob"]
    assert {c["category"] for c in body["peers"][0]["categories"]} >= {"share_display_name"}
    assert body["staff_reads"][0]["staff"] == "coordinator"
    assert body["since"] and body["until"]


def test_the_accounting_holds_only_the_members_own(token_client, mentor):
    other = ActiveMatchFactory(mentor=mentor)
    record_match_disclosures(other)
    body = token_client.get(DISCLOSURES).json()
    assert body["peers"] == []
    assert body["staff_reads"] == []


def test_the_export_is_the_same_document_as_download_my_data(newcomer_client, newcomer):
    api_body = newcomer_client.get(EXPORT).json()
    page_body = newcomer_client.get(reverse("members:export")).json()
    assert api_body["account"]["email"] == "alice@example.org"
    for body in (api_body, page_body):
        body["profile"].pop("last_active")  # the page marks the member active
    assert api_body["profile"] == page_body["profile"]
    assert set(api_body) == set(page_body)


def test_staff_without_a_member_profile_get_403(staff_client):
    assert staff_client.get(EXPORT).status_code == 403
    assert staff_client.get(DISCLOSURES).status_code == 403


def test_the_wrong_password_deletes_nothing(token_client, newcomer):
    response = delete(token_client, "not it")
    assert response.status_code == 400
    assert "not your password" in response.json()["error"]["fields"]["password"][0]
    assert Member.objects.get(pk=newcomer.pk).deleted_at is None


def test_a_missing_password_is_400(token_client, newcomer):
    response = token_client.post(DELETE, {}, content_type="application/json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]


def test_deleting_with_the_password_ends_the_account_and_a_second_call_is_401(
    newcomer, newcomer_token
):
    client = Client(**bearer(newcomer_token))
    response = delete(client, PASSWORD)
    assert response.status_code == 204, response.content
    member = Member.objects.get(pk=newcomer.pk)
    assert member.deleted_at is not None
    assert not member.user.is_active
    assert not PersonalToken.objects.filter(member=member).exists()
    # The account is gone: its token no longer works, for anything.
    assert delete(client, PASSWORD).status_code == 401
    assert client.get(EXPORT).status_code == 401


def test_deleting_over_the_session_signs_the_browser_out(newcomer_client, newcomer):
    assert delete(newcomer_client, PASSWORD).status_code == 204
    assert delete(newcomer_client, PASSWORD).status_code == 401
    assert newcomer_client.get("/api/v1/me/").status_code == 401


def test_a_revoked_token_gets_401_and_deletes_nothing(newcomer):
    token, secret = api_services.personal_token_create(member=newcomer, name="phone")
    api_services.personal_token_revoke(member=newcomer, token_id=token.pk)
    client = Client(**bearer(secret))
    assert delete(client, PASSWORD).status_code == 401
    assert client.get(DISCLOSURES).status_code == 401
    assert Member.objects.get(pk=newcomer.pk).deleted_at is None


@pytest.mark.parametrize("peers", [1, 10])
def test_the_accounting_takes_a_fixed_number_of_queries(
    token_client, newcomer, peers, django_assert_max_num_queries
):
    from tests.factories import MentorFactory

    for _ in range(peers):
        match = ActiveMatchFactory(newcomer=newcomer, mentor=MentorFactory())
        record_match_disclosures(match)
        match.state = "ended"
        match.save()
    token_client.get(DISCLOSURES)
    with django_assert_max_num_queries(9):
        body = token_client.get(DISCLOSURES).json()
    assert len(body["peers"]) == peers


def test_wrong_passwords_count_towards_the_sign_in_lockout(token_client, newcomer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        delete(token_client, "not it")
    response = delete(token_client, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "throttled"
    assert "Too many wrong passwords" in response.json()["error"]["message"]
    assert int(response["Retry-After"]) > 0
    assert Member.objects.get(pk=newcomer.pk).deleted_at is None


def test_after_deletion_what_others_wrote_about_the_pair_no_longer_names_the_member(
    token_client, newcomer, mentor
):
    from checkins import services as checkin_services
    from checkins.models import CheckIn
    from matching.models import Report
    from messaging import services as message_services
    from messaging.models import Message
    from safety.services import report_create

    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    checkin_services.checkin_record(
        match_id=match.pk,
        author=mentor,
        connected="yes",
        note="Talked with alice about her week; ALICE sounds well. Alicea is someone else.",
    )
    message_services.send_message(member=mentor, match_id=match.pk, text="Hi Alice, how was it?")
    report_create(reporter=mentor, reported=newcomer, text="Alice missed two calls.")
    # Another pair of the mentor's: their text may name another Alice, and stays.
    other = ActiveMatchFactory(mentor=mentor)
    checkin_services.checkin_record(
        match_id=other.pk, author=mentor, connected="yes", note="Alice from group says hi"
    )

    assert delete(token_client, PASSWORD).status_code == 204

    note = CheckIn.objects.get(match=match).note
    assert (
        note
        == "Talked with [removed] about her week; [removed] sounds well. Alicea is someone else."
    )
    assert Message.objects.get(sender=mentor).text == "Hi [removed], how was it?"
    assert Report.objects.get(reporter=mentor).text == "[removed] missed two calls."
    assert CheckIn.objects.get(match=other).note == "Alice from group says hi"
