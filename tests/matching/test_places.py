"""A mentor's places: counted in one place (`selectors.with_places`), by two named rules."""

import pytest

from matching import selectors, services
from matching.models import Match, MatchState
from matching.selectors import Places, places_free, with_places
from members.models import Member
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def ask(mentor: Member, state: str) -> Match:
    return Match.objects.create(newcomer=NewcomerFactory(), mentor=mentor, state=state, score=0.5)


def places(mentor: Member, taken_by: Places, **kwargs) -> tuple[int, int]:
    row = with_places(Member.objects.filter(pk=mentor.pk), taken_by=taken_by, **kwargs)
    return row.values_list("places_taken", "places_free").get()


@pytest.fixture
def mentor():
    """A mentor with room for three: one request waiting for staff, one waiting for
    them, one active match, and a declined request and an ended match behind them."""
    mentor = MentorFactory(capacity=3)
    for state in (
        MatchState.PENDING_APPROVAL,
        MatchState.AWAITING_MENTOR,
        MatchState.DECLINED,
        MatchState.ENDED,
    ):
        ask(mentor, state)
    ActiveMatchFactory(mentor=mentor)
    return mentor


def test_every_open_request_or_match_holds_a_place(mentor):
    assert places(mentor, Places.HELD) == (3, 0)


def test_only_active_matches_fill_a_place(mentor):
    assert places(mentor, Places.FILLED) == (1, 2)


def test_a_mentor_with_nothing_open_has_every_place_free(db):
    assert places(MentorFactory(capacity=2), Places.HELD) == (0, 2)


def test_a_request_about_to_move_on_does_not_take_room_from_itself(mentor):
    waiting = Match.objects.get(mentor=mentor, state=MatchState.AWAITING_MENTOR)
    assert places(mentor, Places.HELD, leaving_out=waiting.pk) == (2, 1)


def test_counting_matches_already_read_agrees_with_the_database(mentor):
    states = list(Match.objects.filter(mentor=mentor).values_list("state", flat=True))
    for rule in Places:
        assert places_free(mentor.capacity, states, taken_by=rule) == places(mentor, rule)[1]


def test_a_mentor_asked_for_every_place_is_not_suggested_but_may_accept():
    """Two places: one active match and one request waiting for the mentor. Nobody
    else may ask (every place is held), the mentor may still accept the request
    (only one place is filled), and the features scoring reads show no room."""
    mentor = MentorFactory(capacity=2)
    ActiveMatchFactory(mentor=mentor)
    waiting = ask(mentor, MatchState.AWAITING_MENTOR)
    newcomer = NewcomerFactory()

    assert selectors.still_suggestible(newcomer, [mentor.pk]) == []
    features = selectors.load_people(
        Member.objects.filter(pk=mentor.pk), selectors.VocabularyIndex.load()
    )
    assert features.capacity_left.tolist() == [0]

    accepted = services.match_accept(match_id=waiting.pk, mentor=mentor)
    assert accepted.state == MatchState.ACTIVE
    assert places(mentor, Places.FILLED) == (2, 0)
