"""GET/POST /api/v1/checkins/ and POST /api/v1/reminders/<id>/snooze/: a member's own
check-ins, made with the same rules as the check-in page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from checkins.models import CheckIn, Reminder, ReminderState
from matching.models import MatchState
from safety.models import HelpRequest, SafetySettings
from tests.api.conftest import bearer
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

CHECKINS = "/api/v1/checkins/"


def post(client, data):
    return client.post(CHECKINS, data, content_type="application/json")


@pytest.fixture
def match(newcomer, mentor):
    return ActiveMatchFactory(newcomer=newcomer, mentor=mentor)


def reminder_for(match, member, **fields):
    return Reminder.objects.create(
        match=match,
        recipient=member,
        slot=0,
        due_at=fields.pop("due_at", timezone.now() + datetime.timedelta(hours=2)),
        **fields,
    )


def test_the_urls_are_versioned():
    assert reverse("api:v1:checkins") == CHECKINS
    assert reverse("api:v1:reminder-snooze", args=[7]) == "/api/v1/reminders/7/snooze/"


def test_a_member_checks_in_on_their_active_match_and_lists_it(token_client, newcomer, match):
    response = post(token_client, {"match": match.pk, "connected": "yes", "rating": 4})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["match"] == match.pk
    assert body["connected"] == "yes"
    assert body["rating"] == 4
    assert CheckIn.objects.get().author == newcomer
    listed = token_client.get(CHECKINS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


def test_a_concern_is_recorded_and_holds_the_member_when_the_programme_says_so(
    mentor_client, mentor, match
):
    SafetySettings.objects.update_or_create(pk=1, defaults={"hold_on_checkin_concern": True})
    response = post(mentor_client, {"match": match.pk, "connected": "no", "concern": True})
    assert response.status_code == 201, response.content
    assert response.json()["concern"] is True
    assert HelpRequest.objects.filter(checkin_id=response.json()["id"], member=mentor).exists()


def test_a_check_in_on_an_ended_match_is_409(newcomer_client, match):
    match.state = MatchState.ENDED
    match.save()
    response = post(newcomer_client, {"match": match.pk, "connected": "yes"})
    assert response.status_code == 409
    assert "ended" in response.json()["error"]["message"]
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("rating", [0, 9, 999, -1])
def test_a_rating_out_of_range_is_400_with_a_field_message(newcomer_client, match, rating):
    response = post(newcomer_client, {"match": match.pk, "connected": "yes", "rating": rating})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "rating": ["Choose how it is going on a scale of 1 to 5."]
    }
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"match": "x", "connected": "yes"},
        {"match": 1, "connected": "maybe"},
        {"match": 10**30, "connected": "yes"},
        {"match": 1, "connected": "yes", "note": "x" * 1001},
    ],
)
def test_invalid_input_is_400_with_the_fields(newcomer_client, match, data):
    response = post(newcomer_client, data)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_someone_elses_match_is_404_and_their_check_ins_are_never_listed(newcomer_client):
    other = ActiveMatchFactory()
    CheckIn.objects.create(match=other, author=other.newcomer, connected="yes")
    response = post(newcomer_client, {"match": other.pk, "connected": "yes"})
    assert response.status_code == 404
    assert CheckIn.objects.count() == 1
    assert newcomer_client.get(CHECKINS).json()["count"] == 0


def test_a_mentor_cannot_check_in_on_a_request_staff_have_not_approved(mentor_client, mentor):
    pending = ActiveMatchFactory(mentor=mentor, state=MatchState.PENDING_APPROVAL)
    assert post(mentor_client, {"match": pending.pk, "connected": "yes"}).status_code == 404


def test_a_member_snoozes_their_reminder_once(token_client, newcomer, match):
    reminder = reminder_for(match, newcomer)
    url = reverse("api:v1:reminder-snooze", args=[reminder.pk])
    response = token_client.post(url)
    assert response.status_code == 200, response.content
    assert response.json()["snoozed"] is True
    reminder.refresh_from_db()
    assert reminder.snoozed
    again = token_client.post(url)
    assert again.status_code == 409
    assert "already snoozed" in again.json()["error"]["message"]


def test_a_reminder_already_sent_cannot_be_snoozed(newcomer_client, newcomer, match):
    reminder = reminder_for(match, newcomer, state=ReminderState.SENT, sent_at=timezone.now())
    response = newcomer_client.post(reverse("api:v1:reminder-snooze", args=[reminder.pk]))
    assert response.status_code == 409


def test_someone_elses_reminder_is_404(newcomer_client, mentor, match):
    reminder = reminder_for(match, mentor)
    response = newcomer_client.post(reverse("api:v1:reminder-snooze", args=[reminder.pk]))
    assert response.status_code == 404
    reminder.refresh_from_db()
    assert not reminder.snoozed
    assert newcomer_client.post("/api/v1/reminders/99999999999999999999/snooze/").status_code == 404


def test_a_revoked_token_gets_401_and_checks_in_nothing(newcomer, match):
    token, secret = api_services.personal_token_create(member=newcomer, name="phone")
    api_services.personal_token_revoke(member=newcomer, token_id=token.pk)
    client = Client(**bearer(secret))
    assert post(client, {"match": match.pk, "connected": "yes"}).status_code == 401
    assert client.get(CHECKINS).status_code == 401
    assert not CheckIn.objects.exists()


def test_no_credentials_is_401():
    assert Client().get(CHECKINS).status_code == 401


def _checkins(member, count):
    match = ActiveMatchFactory(newcomer=member, mentor=MentorFactory())
    for _ in range(count):
        CheckIn.objects.create(match=match, author=member, connected="yes")


@pytest.mark.parametrize("count", [2, 20])
def test_listing_check_ins_takes_a_fixed_number_of_queries(
    token_client, newcomer, count, django_assert_max_num_queries
):
    _checkins(newcomer, count)
    _checkins(NewcomerFactory(), 3)
    token_client.get(CHECKINS)  # "last used" is written at most once a minute
    # The token, the count, the page.
    with django_assert_max_num_queries(3):
        body = token_client.get(CHECKINS).json()
    assert body["count"] == count
