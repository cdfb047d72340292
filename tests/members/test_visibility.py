"""The one rule of what a viewer may see of a member: it fails closed."""

import pytest

from matching.models import MatchState
from members.models import VettingStatus
from members.visibility import DETAILS, matched_peer_preview, peer_view
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db

SHARE_EVERYTHING = {
    "share_display_name": True,
    "share_pronouns": True,
    "share_gender": True,
    "share_age_range": True,
    "share_pathways": True,
    "share_substances": True,
    "share_life_situation": True,
    "share_community": True,
    "share_languages": True,
    "share_bio": True,
    "share_availability": True,
    "share_contact": True,
    "share_email": True,
}


def open_book(factory=NewcomerFactory, **extra):
    """A member who ticked every box and filled in every field."""
    fields = {
        "display_name": "Kit",
        "pronouns": "they/them",
        "gender": "non_binary",
        "bio": "My story",
        "contact_details": "Signal: kit",
        "user__email": "kit@example.org",
        "tags": [
            tag("pathway-12-step"),
            tag("substance-opioids"),
            tag("life_situation-parenting"),
            tag("community-lgbtq"),
        ],
        **SHARE_EVERYTHING,
    }
    return factory(**{**fields, **extra})


def shows_nothing(view) -> bool:
    return view.display_name == "A peer" and not any(getattr(view, name) for name in DETAILS)


def test_an_accepted_peer_sees_everything_that_was_ticked():
    match = ActiveMatchFactory(newcomer=open_book())
    view = peer_view(match.newcomer, viewer=match.mentor, match=match)
    assert view.display_name == "Kit"
    assert view.pronouns == "they/them"
    assert view.gender == "Non-binary"
    assert view.pathways == ["12-step"] and view.substances == ["Opioids"]
    assert view.bio == "My story"
    assert view.contact_details == "Signal: kit"
    assert view.email == "kit@example.org"


@pytest.mark.parametrize("state", [MatchState.PENDING_APPROVAL, MatchState.AWAITING_MENTOR])
def test_before_acceptance_a_peer_sees_no_contact_and_no_email(state):
    match = ActiveMatchFactory(mentor=open_book(MentorFactory), state=state)
    view = peer_view(match.mentor, viewer=match.newcomer, match=match)
    assert view.display_name == "Kit" and view.bio == "My story"
    assert not view.contact_details and not view.email


def test_no_viewer_sees_nothing():
    match = ActiveMatchFactory(newcomer=open_book())
    assert shows_nothing(peer_view(match.newcomer, viewer=None, match=match))


def test_someone_outside_the_match_sees_nothing():
    match = ActiveMatchFactory(newcomer=open_book())
    assert shows_nothing(peer_view(match.newcomer, viewer=MentorFactory(), match=match))
    assert shows_nothing(peer_view(match.newcomer, viewer=match.newcomer, match=match))


def test_without_a_match_only_a_newcomer_may_see_a_suggested_mentor():
    mentor = open_book(MentorFactory)
    newcomer = open_book(NewcomerFactory, user__email="other@example.org")
    suggested = peer_view(mentor, viewer=newcomer, match=None)
    assert suggested.display_name == "Kit" and not suggested.contact_details
    assert shows_nothing(peer_view(newcomer, viewer=mentor, match=None))
    assert shows_nothing(peer_view(newcomer, viewer=NewcomerFactory(), match=None))
    unvetted = open_book(
        MentorFactory, vetting_status=VettingStatus.PENDING, user__email="new@example.org"
    )
    assert shows_nothing(peer_view(unvetted, viewer=newcomer, match=None))


def test_a_mentor_sees_nothing_of_a_request_staff_have_not_passed_on():
    match = ActiveMatchFactory(newcomer=open_book(), state=MatchState.PENDING_APPROVAL)
    assert shows_nothing(peer_view(match.newcomer, viewer=match.mentor, match=match))


@pytest.mark.parametrize(
    "state", [MatchState.DECLINED, MatchState.EXPIRED, MatchState.ENDED, MatchState.WITHDRAWN]
)
def test_after_a_match_is_over_only_the_name_remains(state):
    match = ActiveMatchFactory(newcomer=open_book(), state=state)
    view = peer_view(match.newcomer, viewer=match.mentor, match=match)
    assert view.display_name == "Kit"
    assert not any(getattr(view, name) for name in DETAILS)


def test_an_unknown_match_state_shows_nothing():
    match = ActiveMatchFactory(newcomer=open_book())
    match.state = "something_new"
    assert shows_nothing(peer_view(match.newcomer, viewer=match.mentor, match=match))


def test_a_missing_setting_counts_as_not_shared():
    match = ActiveMatchFactory(newcomer=open_book())
    match.newcomer.share_display_name = None
    match.newcomer.share_bio = None
    view = peer_view(match.newcomer, viewer=match.mentor, match=match)
    assert view.display_name == "A peer" and view.name_in_sentence == "your peer"
    assert not view.bio
    assert view.pronouns == "they/them"


def test_sharing_contact_never_reveals_the_sign_in_email():
    match = ActiveMatchFactory(
        newcomer=open_book(share_email=False, contact_details=""),
    )
    view = peer_view(match.newcomer, viewer=match.mentor, match=match)
    assert not view.email and not view.contact_details
    assert "kit@example.org" not in str(view.rows())


def test_the_sign_in_email_is_off_by_default():
    member = NewcomerFactory(user__email="kit@example.org")
    assert member.share_email is False
    assert "kit@example.org" not in str(matched_peer_preview(member).rows())


def test_only_shared_tags_in_common_are_named():
    newcomer = NewcomerFactory(
        share_pathways=False, tags=[tag("pathway-12-step"), tag("life_situation-parenting")]
    )
    match = ActiveMatchFactory(newcomer=newcomer, state=MatchState.AWAITING_MENTOR)
    common = peer_view(newcomer, viewer=match.mentor, match=match).tags_in_common(
        {tag("pathway-12-step").pk, tag("life_situation-parenting").pk}
    )
    assert common == ["You're both parents"]
