"""GET and PATCH /api/v1/me/: the member's own profile and sharing choices, changed
with the same rules as the profile pages."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import ConsentRecord, ConsentSource, Member
from tests.factories import tag

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def patch(client, data, **extra):
    return client.patch(ME, data, content_type="application/json", **extra)


def test_the_url_is_versioned():
    assert reverse("api:v1:me") == ME


def test_a_member_reads_their_own_profile_and_sharing_choices(newcomer_client, newcomer):
    newcomer.tags.set([tag("pathway-12-step")])
    body = newcomer_client.get(ME).json()
    assert body["id"] == newcomer.pk
    assert body["email"] == "alice@example.org"
    assert body["role"] == "newcomer"
    assert body["display_name"] == "Alice"
    assert body["languages"] == ["en"]
    assert body["pathways"] == [tag("pathway-12-step").pk]
    assert body["share_display_name"] is True
    assert body["share_email"] is False
    # Mentor-only fields mean nothing for a newcomer.
    assert body["capacity"] is None
    assert body["vetting_status"] is None


def test_a_mentor_sees_their_mentor_fields(mentor_client):
    body = mentor_client.get(ME).json()
    assert body["capacity"] == 3
    assert body["vetting_status"] == "approved"


def test_staff_without_a_member_profile_get_403(staff_client):
    assert staff_client.get(ME).status_code == 403


def test_patch_changes_only_the_fields_sent(newcomer_client, newcomer):
    response = patch(newcomer_client, {"display_name": "Ally", "bio": "Two kids, one dog."})
    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == "Ally"
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Ally"
    assert newcomer.bio == "Two kids, one dog."
    assert newcomer.birth_year == 1990
    assert newcomer.availability == ["mon-evening", "wed-evening"]


def test_changing_a_sharing_choice_writes_a_consent_record(newcomer_client, newcomer):
    response = patch(newcomer_client, {"share_bio": True})
    assert response.status_code == 200, response.content
    assert response.json()["share_bio"] is True
    record = ConsentRecord.objects.filter(member=newcomer, category="share_bio").latest("pk")
    assert record.granted is True
    assert record.source == ConsentSource.PROFILE
    before = ConsentRecord.objects.count()
    patch(newcomer_client, {"share_bio": False})
    assert ConsentRecord.objects.count() == before + 1
    assert not Member.objects.get(pk=newcomer.pk).share_bio


def test_a_change_that_touches_no_sharing_choice_writes_no_consent_record(newcomer_client):
    patch(newcomer_client, {"pronouns": "she/her"})
    assert not ConsentRecord.objects.exists()


def test_tags_and_languages_are_set_by_id_and_code(newcomer_client, newcomer):
    pathway = tag("pathway-12-step")
    response = patch(newcomer_client, {"pathways": [pathway.pk], "languages": ["en", "es"]})
    assert response.status_code == 200, response.content
    assert response.json()["pathways"] == [pathway.pk]
    assert sorted(response.json()["languages"]) == ["en", "es"]


def test_a_tag_of_another_category_is_refused(newcomer_client, newcomer):
    response = patch(newcomer_client, {"pathways": [tag("substance-alcohol").pk]})
    assert response.status_code == 400
    assert "pathways" in response.json()["error"]["fields"]
    assert not newcomer.tags.exists()


def test_the_profile_pages_rules_apply_and_nothing_is_saved_when_one_field_fails(
    newcomer_client, newcomer
):
    response = patch(
        newcomer_client, {"display_name": "Ally", "birth_year": 2024, "share_bio": True}
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["birth_year"]
    assert "aged 18 and over" in fields["birth_year"][0]
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Alice"
    assert not newcomer.share_bio
    assert not ConsentRecord.objects.exists()


def test_a_mentor_must_keep_a_recovery_start_date(mentor_client):
    response = patch(mentor_client, {"recovery_start_date": None})
    assert response.status_code == 400
    assert "recovery_start_date" in response.json()["error"]["fields"]


def test_a_newcomer_cannot_set_mentor_fields_and_unknown_fields_are_refused(newcomer_client):
    response = patch(newcomer_client, {"capacity": 5, "is_staff": True})
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields == {"is_staff": ["There is no such field."]}
    response = patch(newcomer_client, {"capacity": 5})
    assert response.json()["error"]["fields"] == {"capacity": ["You cannot change this field."]}


def test_a_mentor_changes_their_capacity(mentor_client, mentor):
    assert patch(mentor_client, {"capacity": 5}).status_code == 200
    mentor.refresh_from_db()
    assert mentor.capacity == 5
    assert patch(mentor_client, {"capacity": 11}).status_code == 400


def test_a_session_patch_with_the_csrf_token_works(newcomer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer.user)
    client.get(reverse("tokens:list"))
    token = client.cookies["csrftoken"].value
    response = patch(client, {"display_name": "Ally"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content


def test_a_token_patch_needs_no_csrf_token(token_client, newcomer):
    assert patch(token_client, {"display_name": "Ally"}).status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Ally"


def test_reading_me_takes_a_fixed_number_of_queries(
    token_client, newcomer, django_assert_max_num_queries
):
    token_client.get(ME)  # "last used" is written at most once a minute
    # The token, the member, their languages and their tags.
    with django_assert_max_num_queries(4):
        assert token_client.get(ME).status_code == 200
