"""Block, report and "I need help now" through the API: only about someone who is or
was a peer (anyone else is 404), with the pages' services and answers."""

import json

import pytest
from django.test import Client

from api import services as api_services
from matching.models import Block, Match, MatchState, Report
from matching.services import NEUTRAL_END_REASON, ON_HOLD
from safety.models import HelpRequest
from safety.views import ALREADY_ASKED, THANKS
from tests.api.conftest import bearer
from tests.api.test_matching_api import MATCHES, REQUESTS, api_client, conflict, post
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

BLOCKS = "/api/v1/blocks/"
REPORTS = "/api/v1/reports/"
HELP_NOW = "/api/v1/help-now/"


@pytest.fixture
def pair():
    newcomer = NewcomerFactory(display_name="Robin")
    mentor = MentorFactory(display_name="Casey")
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    return newcomer, mentor, match


def test_blocking_a_peer_ends_the_match_and_they_are_not_told(pair):
    newcomer, mentor, match = pair
    response = post(api_client(newcomer), BLOCKS, {"member": mentor.pk, "reason": "Uneasy"})
    assert response.status_code == 201, response.content
    assert response.json()["member"] == mentor.pk
    block = Block.objects.get()
    assert (block.blocker, block.blocked, block.reason) == (newcomer, mentor, "Uneasy")
    match.refresh_from_db()
    assert match.state == MatchState.ENDED
    assert match.end_reason == NEUTRAL_END_REASON
    # The blocked mentor sees what any ended match shows: that it ended, no more.
    listed = api_client(mentor).get(MATCHES).json()["results"]
    assert [(row["id"], row["state"], row["stage"]) for row in listed] == [
        (match.pk, "ended", "ended")
    ]
    detail = api_client(mentor).get(f"{MATCHES}{match.pk}/").json()
    assert detail["state"] == "ended" and detail["note"] == ""
    assert "block" not in json.dumps(detail).lower()


def test_blocking_again_changes_nothing(pair):
    newcomer, mentor, _match = pair
    client = api_client(newcomer)
    post(client, BLOCKS, {"member": mentor.pk, "reason": "first"})
    assert post(client, BLOCKS, {"member": mentor.pk, "reason": "second"}).status_code == 201
    assert Block.objects.get().reason == "first"


def test_a_mentor_blocks_a_newcomer_who_requested_them():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    match_id = post(api_client(newcomer), REQUESTS, {"mentors": [mentor.pk]}).json()["id"]
    assert post(api_client(mentor), BLOCKS, {"member": newcomer.pk}).status_code == 201
    assert Match.objects.get(pk=match_id).state == MatchState.DECLINED


def test_a_newcomer_may_block_a_mentor_they_are_suggested():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    assert post(api_client(newcomer), BLOCKS, {"member": mentor.pk}).status_code == 201
    assert api_client(newcomer).get("/api/v1/suggestions/").json()["count"] == 0


def test_block_and_report_are_404_for_anyone_never_a_peer(pair):
    newcomer, mentor, _match = pair
    stranger_newcomer = NewcomerFactory()
    client = api_client(newcomer)
    for member_id in (stranger_newcomer.pk, newcomer.pk, 999_999):
        for url, data in [(BLOCKS, {}), (REPORTS, {"text": "They were rude."})]:
            response = post(client, url, {"member": member_id, **data})
            assert response.status_code == 404, (url, member_id, response.content)
            assert response.json()["error"]["code"] == "not_found"
    # A mentor never suggested to, nor matched with, a newcomer is not their peer either.
    other_mentor_client = api_client(MentorFactory())
    assert post(other_mentor_client, BLOCKS, {"member": newcomer.pk}).status_code == 404
    assert not Block.objects.exists()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "url, data",
    [
        (BLOCKS, {}),
        (BLOCKS, {"member": "abc"}),
        (BLOCKS, {"member": 10**30}),
        (BLOCKS, {"member": 1, "reason": "x" * 301}),
        (REPORTS, {"member": 1}),
        (REPORTS, {"member": 1, "text": ""}),
        (REPORTS, {"member": 1, "text": "x" * 1001}),
        (HELP_NOW, {"may_contact": "perhaps"}),
        (HELP_NOW, {"how_to_contact": "x" * 201}),
    ],
)
def test_malformed_input_is_400_and_changes_nothing(pair, url, data):
    newcomer, _mentor, _match = pair
    response = post(api_client(newcomer), url, data)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]
    assert not Block.objects.exists()
    assert not Report.objects.exists()
    assert not HelpRequest.objects.exists()


def test_reporting_a_peer_tells_staff_once(pair):
    newcomer, mentor, match = pair
    client = api_client(mentor)
    response = post(client, REPORTS, {"member": newcomer.pk, "text": "Asked me for money."})
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get()
    assert body["id"] == report.pk
    assert body["member"] == newcomer.pk
    assert (report.reporter, report.reported, report.match) == (mentor, newcomer, match)
    # The same report again (a resent request) is the same report.
    again = post(client, REPORTS, {"member": newcomer.pk, "text": "Asked me for money."})
    assert again.json()["id"] == report.pk
    assert Report.objects.count() == 1


def test_help_now_holds_the_member_and_a_second_press_opens_nothing_new(pair):
    newcomer, mentor, match = pair
    client = api_client(newcomer)
    response = post(client, HELP_NOW, {"may_contact": True, "how_to_contact": "Text me"})
    assert response.status_code == 201, response.content
    assert response.json() == {"already_asked": False, "message": THANKS}
    newcomer.refresh_from_db()
    assert newcomer.held_for_review
    help_request = HelpRequest.objects.get()
    assert (help_request.may_contact, help_request.how_to_contact) == (True, "Text me")

    response = post(client, HELP_NOW, {"how_to_contact": "Call after 6pm"})
    assert response.json() == {"already_asked": True, "message": ALREADY_ASKED}
    help_request.refresh_from_db()
    assert help_request.how_to_contact == "Call after 6pm"
    assert help_request.may_contact is True
    assert HelpRequest.objects.count() == 1


def test_a_held_newcomer_cannot_request_a_mentor_until_staff_clear_the_hold():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    client = api_client(newcomer)
    assert post(client, HELP_NOW).status_code == 201
    conflict(post(client, REQUESTS, {"mentors": [mentor.pk]}), ON_HOLD)
    assert not Match.objects.exists()


def test_a_mentor_may_ask_for_help_now_but_staff_without_a_profile_may_not(staff_user):
    assert post(api_client(MentorFactory()), HELP_NOW).status_code == 201
    staff = Client()
    staff.force_login(staff_user)
    assert post(staff, HELP_NOW).status_code == 403
    assert HelpRequest.objects.count() == 1


def test_a_revoked_token_gets_401_and_changes_nothing(pair):
    newcomer, mentor, match = pair
    token, secret = api_services.personal_token_create(member=newcomer, name="old phone")
    api_services.personal_token_revoke(member=newcomer, token_id=token.pk)
    client = Client(**bearer(secret))
    assert post(client, BLOCKS, {"member": mentor.pk}).status_code == 401
    assert post(client, REPORTS, {"member": mentor.pk, "text": "Rude."}).status_code == 401
    assert post(client, HELP_NOW).status_code == 401
    assert not Block.objects.exists()
    assert not Report.objects.exists()
    assert not HelpRequest.objects.exists()
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE
