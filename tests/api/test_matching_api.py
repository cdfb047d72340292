"""Matching through the API: suggestions, requests, my matches and their lifecycle,
each with what the other member shares and nothing more."""

import pytest
from django.test import Client
from django.urls import reverse

from api import services as api_services
from api.models import PersonalToken
from matching.models import Match, MatchingSettings, MatchState
from matching.services import ALREADY_OPEN, NOT_AVAILABLE, ON_HOLD
from members.models import Language
from messaging.models import Message
from tests.api.conftest import bearer
from tests.factories import MentorFactory, NewcomerFactory, tag
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

SUGGESTIONS = "/api/v1/suggestions/"
REQUESTS = "/api/v1/requests/"
MATCHES = "/api/v1/matches/"


def api_client(member) -> Client:
    """The member's app, with a personal token of theirs."""
    _token, secret = api_services.personal_token_create(member=member, name="phone")
    return Client(**bearer(secret))


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def action(match_id, step):
    return f"{MATCHES}{match_id}/{step}/"


def conflict(response, message=None):
    assert response.status_code == 409, response.content
    body = response.json()["error"]
    assert body["code"] == "conflict"
    if message is not None:
        assert body["message"] == message
    return body["message"]


@pytest.fixture
def story():
    """A newcomer and a mentor who share a pathway and parenting."""
    newcomer = NewcomerFactory(
        display_name="Robin",
        contact_details="Robin's number",
        tags=[tag("pathway-12-step"), tag("life_situation-parenting"), tag("substance-opioids")],
    )
    mentor = MentorFactory(
        display_name="Casey",
        contact_details="Signal: casey",
        bio="Dad of two.",
        share_bio=True,
        tags=[tag("pathway-12-step"), tag("life_situation-parenting")],
    )
    return newcomer, mentor


def test_the_urls_are_versioned():
    assert reverse("api:v1:suggestions") == SUGGESTIONS
    assert reverse("api:v1:requests") == REQUESTS
    assert reverse("api:v1:match-end", args=[7]) == "/api/v1/matches/7/end/"


def test_suggestions_give_plain_reasons_and_only_what_the_mentor_shares(story):
    newcomer, mentor = story
    MentorFactory(display_name="Zephyrine", languages=[Language.objects.get(code="es")])
    body = api_client(newcomer).get(SUGGESTIONS).json()
    assert body["count"] == 1, "no shared language: never suggested"
    suggestion = body["results"][0]
    peer = suggestion["mentor"]
    assert peer["id"] == mentor.pk
    assert peer["name"] == "Casey"
    assert peer["stage"] == "suggested"
    assert peer["bio"] == "Dad of two."
    assert peer["contact_details"] == "", "contact details only after acceptance"
    assert peer["email"] == ""
    assert peer["age_range"] == "", "not shared"
    assert "You both follow a 12-step pathway" in suggestion["reasons"]


def test_a_mentor_who_hides_their_name_is_a_peer(story):
    newcomer, mentor = story
    mentor.share_display_name = False
    mentor.save()
    peer = api_client(newcomer).get(SUGGESTIONS).json()["results"][0]["mentor"]
    assert peer["name"] == ""
    assert peer["display_name"] == "A peer"


def test_suggestions_and_requests_are_for_newcomers(story):
    _newcomer, mentor = story
    client = api_client(mentor)
    assert client.get(SUGGESTIONS).status_code == 403
    assert post(client, REQUESTS, {"mentors": [mentor.pk]}).status_code == 403
    assert not Match.objects.exists()


def test_the_whole_lifecycle_runs_through_the_api_with_each_409(story):
    newcomer, mentor = story
    robin, casey = api_client(newcomer), api_client(mentor)

    # Request, with a note for the mentor.
    response = post(robin, REQUESTS, {"mentors": [mentor.pk], "note": "We both have kids."})
    assert response.status_code == 201, response.content
    request = response.json()
    match_id = request["id"]
    assert request["state"] == "awaiting_mentor"
    assert request["side"] == "newcomer"
    assert request["peer"]["name"] == "Casey"
    assert request["peer"]["contact_details"] == ""
    assert "You both follow a 12-step pathway" in request["reasons"]
    assert Message.objects.get(is_request_note=True).text == "We both have kids."
    conflict(post(robin, REQUESTS, {"mentors": [mentor.pk]}), ALREADY_OPEN)

    # The mentor sees the request: the newcomer only as they share at this stage.
    listed = casey.get(MATCHES).json()["results"]
    assert [row["id"] for row in listed] == [match_id]
    assert listed[0]["side"] == "mentor"
    assert listed[0]["peer"]["name"] == "Robin"
    assert listed[0]["peer"]["substances"] == [], "the newcomer did not share substances"
    assert listed[0]["peer"]["contact_details"] == ""
    assert listed[0]["reasons"] == []
    assert listed[0]["note"] == "We both have kids."
    assert "You both follow a 12-step pathway" in listed[0]["in_common"]

    # Steps out of order are 409 and change nothing.
    conflict(post(robin, action(match_id, "accept")))
    conflict(post(casey, action(match_id, "end"), {"reason": "Too soon"}))
    conflict(post(casey, action(match_id, "withdraw")))
    assert Match.objects.get(pk=match_id).state == MatchState.AWAITING_MENTOR

    # Accept: now each sees the other's contact details.
    response = post(casey, action(match_id, "accept"))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "active"
    assert response.json()["peer"]["contact_details"] == "Robin's number"
    mine = robin.get(f"{MATCHES}{match_id}/").json()
    assert mine["state"] == "active"
    assert mine["peer"]["contact_details"] == "Signal: casey"
    assert mine["peer"]["email"] == "", "the sign-in email has its own box"

    conflict(post(casey, action(match_id, "accept")))
    conflict(post(casey, action(match_id, "decline"), {"reason": "not_a_fit"}))
    conflict(post(robin, action(match_id, "withdraw")))
    conflict(post(robin, REQUESTS, {"mentors": [mentor.pk]}), ALREADY_OPEN)

    # End, with a reason.
    response = post(robin, action(match_id, "end"), {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    response = post(robin, action(match_id, "end"), {"reason": "Moving away"})
    assert response.status_code == 200, response.content
    ended = response.json()
    assert ended["state"] == "ended"
    assert ended["ended_at"]
    assert ended["peer"]["name"] == "Casey"
    assert ended["peer"]["contact_details"] == "", "contact details end with the match"
    conflict(post(casey, action(match_id, "end"), {"reason": "Again"}))
    match = Match.objects.get(pk=match_id)
    assert (match.state, match.ended_by, match.end_reason) == ("ended", "newcomer", "Moving away")


def test_revoking_a_sharing_choice_takes_effect_on_the_next_call(story):
    newcomer, mentor = story
    robin, casey = api_client(newcomer), api_client(mentor)
    assert robin.get(SUGGESTIONS).json()["results"][0]["mentor"]["bio"] == "Dad of two."
    patch = {"share_bio": False}
    assert casey.patch("/api/v1/me/", patch, content_type="application/json").status_code == 200
    assert robin.get(SUGGESTIONS).json()["results"][0]["mentor"]["bio"] == ""

    match_id = post(robin, REQUESTS, {"mentors": [mentor.pk]}).json()["id"]
    post(casey, action(match_id, "accept"))
    assert casey.get(f"{MATCHES}{match_id}/").json()["peer"]["contact_details"] == "Robin's number"
    patch = {"share_contact": False, "share_pathways": False}
    assert robin.patch("/api/v1/me/", patch, content_type="application/json").status_code == 200
    peer = casey.get(MATCHES).json()["results"][0]["peer"]
    assert peer["contact_details"] == ""
    assert peer["pathways"] == []


def test_a_newcomer_withdraws_their_request(story):
    newcomer, mentor = story
    robin = api_client(newcomer)
    match_id = post(robin, REQUESTS, {"mentors": [mentor.pk]}).json()["id"]
    response = post(robin, action(match_id, "withdraw"))
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    conflict(post(api_client(mentor), action(match_id, "accept")))


def test_a_ranked_request_moves_to_the_next_choice_when_declined(story):
    newcomer, first = story
    second = MentorFactory(display_name="Dana", tags=[tag("pathway-12-step")])
    robin, casey = api_client(newcomer), api_client(first)
    response = post(robin, REQUESTS, {"mentors": [first.pk, second.pk]})
    assert response.status_code == 201, response.content
    match_id = response.json()["id"]

    response = post(casey, action(match_id, "decline"), {"reason": "maybe"})
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    response = post(casey, action(match_id, "decline"), {"reason": "no_capacity", "note": "Full"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "declined"
    assert [row["id"] for row in casey.get(MATCHES).json()["results"]] == [match_id]

    mine = robin.get(MATCHES).json()["results"]
    assert [(row["state"], row["peer"]["name"]) for row in mine] == [
        ("awaiting_mentor", "Dana"),
        ("declined", "Casey"),
    ]
    assert Match.objects.get(pk=match_id).decline_note == "Full"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"mentors": []},
        {"mentors": [1, 2, 3, 4]},
        {"mentors": ["abc"]},
        {"mentors": [10**30]},
        {"mentors": 5},
        {"mentors": [5], "note": "x" * 501},
    ],
)
def test_a_malformed_request_is_400_and_creates_nothing(story, data):
    newcomer, _mentor = story
    response = post(api_client(newcomer), REQUESTS, data)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]
    assert not Match.objects.exists()


def test_a_mentor_who_is_not_suggested_gets_the_one_answer(story):
    newcomer, _mentor = story
    elsewhere = MentorFactory(languages=[Language.objects.get(code="es")])
    other_newcomer = NewcomerFactory()
    robin = api_client(newcomer)
    for mentor_id in (elsewhere.pk, other_newcomer.pk, 999_999):
        conflict(post(robin, REQUESTS, {"mentors": [mentor_id]}), NOT_AVAILABLE)
    assert not Match.objects.exists()


def test_a_newcomer_who_has_not_finished_their_profile_gets_409(story):
    newcomer, mentor = story
    newcomer.onboarded_at = None
    newcomer.save()
    robin = api_client(newcomer)
    message = conflict(robin.get(SUGGESTIONS))
    assert "profile" in message
    conflict(post(robin, REQUESTS, {"mentors": [mentor.pk]}), message)
    assert not Match.objects.exists()


def test_a_held_newcomer_gets_409_and_no_request(story):
    newcomer, mentor = story
    newcomer.held_for_review = True
    newcomer.save()
    conflict(post(api_client(newcomer), REQUESTS, {"mentors": [mentor.pk]}), ON_HOLD)
    assert not Match.objects.exists()


def test_another_member_gets_404_for_each_of_my_matches(story):
    newcomer, mentor = story
    match_id = post(api_client(newcomer), REQUESTS, {"mentors": [mentor.pk]}).json()["id"]
    for stranger in (NewcomerFactory(), MentorFactory()):
        client = api_client(stranger)
        assert client.get(f"{MATCHES}{match_id}/").status_code == 404
        for step, data in [
            ("withdraw", {}),
            ("accept", {}),
            ("decline", {"reason": "not_a_fit"}),
            ("end", {"reason": "x"}),
        ]:
            response = post(client, action(match_id, step), data)
            assert response.status_code == 404, (step, response.content)
            assert response.json()["error"]["code"] == "not_found"
        assert client.get(MATCHES).json()["results"] == []
    assert Match.objects.get(pk=match_id).state == MatchState.AWAITING_MENTOR
    assert api_client(newcomer).get(f"{MATCHES}999999/").status_code == 404


def test_a_mentor_sees_nothing_of_a_request_staff_have_not_approved(story):
    newcomer, mentor = story
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    response = post(api_client(newcomer), REQUESTS, {"mentors": [mentor.pk]})
    assert response.json()["state"] == "pending_approval"
    casey = api_client(mentor)
    assert casey.get(MATCHES).json()["count"] == 0
    assert casey.get(f"{MATCHES}{response.json()['id']}/").status_code == 404
    assert post(casey, action(response.json()["id"], "accept")).status_code == 404


def test_a_revoked_token_gets_401_and_requests_nothing(story):
    newcomer, mentor = story
    token, secret = api_services.personal_token_create(member=newcomer, name="old phone")
    api_services.personal_token_revoke(member=newcomer, token_id=token.pk)
    client = Client(**bearer(secret))
    assert post(client, REQUESTS, {"mentors": [mentor.pk]}).status_code == 401
    assert client.get(SUGGESTIONS).status_code == 401
    assert client.get(MATCHES).status_code == 401
    assert not Match.objects.exists()
    assert PersonalToken.objects.get(pk=token.pk).revoked_at is not None


def test_the_session_works_with_csrf(story):
    newcomer, mentor = story
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer.user)
    assert client.get(SUGGESTIONS).status_code == 200
    assert post(client, REQUESTS, {"mentors": [mentor.pk]}).status_code == 403
    assert not Match.objects.exists()


def test_suggestions_take_the_same_queries_with_ten_times_the_mentors(story):
    newcomer, _mentor = story
    client = api_client(newcomer)
    MatchingSettings.objects.update_or_create(pk=1, defaults={"suggestion_count": 20})
    small = count_queries(client, SUGGESTIONS)
    for _ in range(10):
        MentorFactory(tags=[tag("pathway-12-step"), tag("life_situation-parenting")])
    assert client.get(SUGGESTIONS).json()["count"] == 11
    assert count_queries(client, SUGGESTIONS) == small


def test_my_matches_take_the_same_queries_with_ten_times_the_matches():
    mentor = MentorFactory(capacity=10, tags=[tag("pathway-12-step")])
    casey = api_client(mentor)

    def add(count):
        """Past matches (requested, accepted and ended through the API) and open requests."""
        for number in range(count):
            robin = api_client(NewcomerFactory(tags=[tag("pathway-12-step")]))
            note = {"note": "Hello"} if number % 2 else {}
            match_id = post(robin, REQUESTS, {"mentors": [mentor.pk], **note}).json()["id"]
            if number % 4:
                assert post(casey, action(match_id, "accept")).status_code == 200
                assert post(robin, action(match_id, "end"), {"reason": "Done"}).status_code == 200

    add(3)
    client = api_client(mentor)
    small = count_queries(client, MATCHES)
    add(27)
    body = client.get(MATCHES).json()
    assert body["count"] == 30
    assert {row["state"] for row in body["results"]} == {"ended", "awaiting_mentor"}
    assert count_queries(client, MATCHES) == small


def test_a_newcomers_matches_take_the_same_queries_with_ten_times_the_matches(story):
    newcomer, mentor = story
    robin, casey = api_client(newcomer), api_client(mentor)

    def add(count):
        for _ in range(count):
            match_id = post(robin, REQUESTS, {"mentors": [mentor.pk], "note": "Hi"}).json()["id"]
            post(casey, action(match_id, "accept"))
            post(robin, action(match_id, "end"), {"reason": "Done"})

    add(1)
    match_id = post(robin, REQUESTS, {"mentors": [mentor.pk]}).json()["id"]
    small = count_queries(robin, MATCHES)
    post(robin, action(match_id, "withdraw"))
    add(19)
    post(robin, REQUESTS, {"mentors": [mentor.pk]})
    assert robin.get(MATCHES).json()["count"] == 22
    assert count_queries(robin, MATCHES) == small
