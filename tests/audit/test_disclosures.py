"""What each peer could see of a member, and when it first became visible."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import Disclosure
from matching import services
from matching.models import MatchingSettings, MatchState
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.members.test_consent import SHARING, sharing_post

pytestmark = pytest.mark.django_db

REQUESTED_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
ACCEPTED_AT = datetime.datetime(2026, 3, 4, 18, 0, tzinfo=datetime.UTC)
TICKED_AT = datetime.datetime(2026, 3, 9, 14, 30, tzinfo=datetime.UTC)
PROFILE_DEFAULTS = {"share_display_name", "share_pathways", "share_life_situation"} | {
    "share_languages"
}


def seen(member, viewer) -> dict[str, datetime.datetime]:
    return dict(
        Disclosure.objects.filter(member_id=member.pk, viewer_member_id=viewer.pk).values_list(
            "category", "first_visible_at"
        )
    )


def approval_required(required: bool) -> None:
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": required})


def test_a_request_records_what_each_side_may_now_see_of_the_other():
    approval_required(False)
    newcomer, mentor = NewcomerFactory(share_bio=True), MentorFactory()

    with time_machine.travel(REQUESTED_AT, tick=False):
        services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user)

    assert seen(newcomer, mentor) == dict.fromkeys(PROFILE_DEFAULTS | {"share_bio"}, REQUESTED_AT)
    assert seen(mentor, newcomer) == dict.fromkeys(PROFILE_DEFAULTS, REQUESTED_AT)


def test_the_mentor_sees_nothing_until_staff_approve_the_request(staff_user):
    approval_required(True)
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user)
    assert seen(newcomer, mentor) == {}

    with time_machine.travel(REQUESTED_AT, tick=False):
        services.match_approve(match_id=match.pk, staff_user=staff_user)

    assert seen(newcomer, mentor) == dict.fromkeys(PROFILE_DEFAULTS, REQUESTED_AT)


def test_accepting_adds_contact_details_and_keeps_when_the_rest_first_showed():
    approval_required(False)
    newcomer, mentor = NewcomerFactory(share_email=True), MentorFactory()
    with time_machine.travel(REQUESTED_AT, tick=False):
        match = services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user
        )
    with time_machine.travel(ACCEPTED_AT, tick=False):
        services.match_accept(match_id=match.pk, mentor=mentor)

    assert seen(newcomer, mentor) == dict.fromkeys(PROFILE_DEFAULTS, REQUESTED_AT) | {
        "share_contact": ACCEPTED_AT,
        "share_email": ACCEPTED_AT,
    }
    assert seen(mentor, newcomer)["share_contact"] == ACCEPTED_AT
    assert "share_email" not in seen(mentor, newcomer), "the mentor did not tick it"


def test_ticking_a_box_records_it_for_current_peers_once(client):
    match = ActiveMatchFactory()
    newcomer, mentor = match.newcomer, match.mentor
    client.force_login(newcomer.user)

    with time_machine.travel(TICKED_AT, tick=False):
        client.post(SHARING, sharing_post(newcomer, share_bio=True))
    assert seen(newcomer, mentor)["share_bio"] == TICKED_AT

    # Revoked and ticked again later: it first became visible at the first tick.
    client.post(SHARING, sharing_post(newcomer, share_bio=False))
    client.post(SHARING, sharing_post(newcomer, share_bio=True))
    assert seen(newcomer, mentor)["share_bio"] == TICKED_AT
    assert Disclosure.objects.filter(member_id=newcomer.pk, category="share_bio").count() == 1


def test_ticking_a_box_with_no_current_peer_records_nothing(client):
    newcomer = NewcomerFactory()
    ActiveMatchFactory(newcomer=newcomer, state=MatchState.ENDED)
    client.force_login(newcomer.user)

    response = client.post(SHARING, sharing_post(newcomer, share_bio=True))

    assert response.url == reverse("members:profile")
    assert not Disclosure.objects.filter(member_id=newcomer.pk).exists()
