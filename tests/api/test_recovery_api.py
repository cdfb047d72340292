"""GET/POST /api/v1/me/recovery-check/ and GET /api/v1/me/recovery-check/trend/: the
member's own recovery check, with the same rules as the page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from recovery.models import RecoveryCheck
from recovery.services import version_retire
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.recovery.conftest import ensure_starter, take

pytestmark = pytest.mark.django_db

CHECK = reverse("api:v1:me-recovery-check")
TREND = reverse("api:v1:me-recovery-trend")
MARCH = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
JUNE = datetime.datetime(2026, 6, 12, 12, tzinfo=datetime.UTC)


@pytest.fixture
def starter():
    """PeerLink's own starter check, live from its data migration."""
    return ensure_starter()


def body(version, value=4, key="api-key-0001"):
    return {
        "version": version.pk,
        "idempotency_key": key,
        "answers": [{"item": item.pk, "value": value} for item in version.items.all()],
    }


def post(client, data):
    return client.post(CHECK, data, content_type="application/json")


def test_get_gives_the_live_questions_and_that_the_check_is_offered(token_client, starter):
    data = token_client.get(CHECK).json()
    assert data["due"] is True and data["last_taken"] is None and data["every_days"] == 90
    version = data["version"]
    assert version["id"] == starter.pk and version["validated"] is False
    assert len(version["items"]) == 8
    assert version["scale"][0] == {"value": 1, "label": "Not at all"}
    assert "threshold" not in str(data).lower()


def test_post_records_the_check_once_per_idempotency_key(token_client, newcomer, starter):
    first = post(token_client, body(starter))
    again = post(token_client, body(starter))
    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert RecoveryCheck.objects.filter(member=newcomer).count() == 1
    assert token_client.get(CHECK).json()["due"] is False


def test_an_answer_out_of_range_is_a_400_in_the_one_error_shape(token_client, starter):
    response = post(token_client, body(starter, value=7))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["answers"] == ["Each answer is a number from 1 to 5."]
    assert not RecoveryCheck.objects.exists()


def test_a_missing_or_repeated_answer_is_a_400(token_client, starter):
    data = body(starter)
    data["answers"] = data["answers"][1:]
    assert post(token_client, data).status_code == 400
    data = body(starter)
    data["answers"][1] = data["answers"][0]
    response = post(token_client, data)
    assert response.json()["error"]["fields"]["answers"] == ["Answer each statement once."]


def test_answers_to_a_retired_version_are_a_409_with_a_clear_message(token_client, starter):
    version_retire(version_id=starter.pk)
    response = post(token_client, body(starter))
    assert response.status_code == 409
    assert "updated since you opened them" in response.json()["error"]["message"]


def test_the_trend_gives_words_and_the_members_own_numbers(token_client, newcomer, starter):
    take(newcomer, starter, answers=[2, 2, 3, 3, 3, 3, 3, 3], when=MARCH)
    take(newcomer, starter, answers=[4, 4, 3, 3, 3, 3, 3, 3], when=JUNE)
    data = token_client.get(TREND).json()
    assert "More support from the people around you than in March." in data["sentences"]
    assert [check["total"] for check in data["checks"]] == [22, 26]
    assert data["checks"][1]["by_area"]["social"] == 8
    assert data["earlier_versions"] == 0


@pytest.mark.parametrize("who", ["peer", "stranger"])
def test_nobody_else_reads_a_members_answers(newcomer, starter, who):
    take(newcomer, starter, value=5, when=MARCH)
    take(newcomer, starter, value=1, when=JUNE)
    other = (
        ActiveMatchFactory(newcomer=newcomer, mentor=MentorFactory()).mentor
        if who == "peer"
        else NewcomerFactory()
    )
    client = Client()
    client.force_login(other.user)
    assert client.get(TREND).json() == {
        "instrument": None,
        "version": None,
        "sentences": [],
        "checks": [],
        "earlier_versions": 0,
    }
    assert client.get(CHECK).json()["last_taken"] is None


def test_staff_without_a_member_profile_get_no_answers(staff_user, newcomer, starter):
    take(newcomer, starter)
    client = Client()
    client.force_login(staff_user)
    assert client.get(TREND).status_code == 403
    assert client.get(CHECK).status_code == 403


def test_signed_out_callers_are_refused(client, starter):
    assert client.get(CHECK).status_code in (401, 403)
    assert post(client, {"version": starter.pk}).status_code in (401, 403)
