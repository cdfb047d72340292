"""The home page runs the same number of queries with ten times the data."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import CheckIn, Connected
from home.models import HomeVisit
from matching.models import Match, MatchOrigin, MatchState
from messaging.models import Message
from messaging.services import conversation_start
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _queries(member) -> int:
    client = Client()
    client.force_login(member.user)
    client.get(reverse("home:me"))
    # The last visit was before all of it: the page says what changed for every row.
    HomeVisit.objects.filter(member=member).update(
        visited_at=timezone.now() - datetime.timedelta(days=60)
    )
    return count_queries(
        client,
        reverse("home:me"),
        warm_up=False,
        ok=lambda response: (
            response.status_code == 200 and response.context["page"].since is not None
        ),
    )


def _past_requests(newcomer, times: int) -> None:
    for state in [MatchState.DECLINED, MatchState.EXPIRED, MatchState.ENDED] * times:
        Match.objects.create(
            newcomer=newcomer,
            mentor=MentorFactory(),
            state=state,
            origin=MatchOrigin.REQUEST,
            score=0.5,
            sent_to_mentor_at=timezone.now() - datetime.timedelta(days=30),
            decided_at=timezone.now() - datetime.timedelta(days=29),
            ended_at=timezone.now() if state == MatchState.ENDED else None,
        )


def _active_with_messages(newcomer, mentor, times: int) -> Match:
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    conversation = conversation_start(match=match)
    for n in range(3 * times):
        Message.objects.create(conversation=conversation, sender=mentor, text=f"Message {n}")
        Message.objects.create(conversation=conversation, sender=newcomer, text=f"Reply {n}")
    CheckIn.objects.create(match=match, author=newcomer, connected=Connected.YES)
    return match


def _newcomer_with(times: int):
    newcomer = NewcomerFactory()
    _past_requests(newcomer, times)
    _active_with_messages(newcomer, MentorFactory(), times)
    return newcomer


def _mentor_with(times: int):
    mentor = MentorFactory(capacity=10)
    for _ in range(times):
        _active_with_messages(NewcomerFactory(), mentor, 1)
        Match.objects.create(
            newcomer=NewcomerFactory(),
            mentor=mentor,
            state=MatchState.AWAITING_MENTOR,
            origin=MatchOrigin.REQUEST,
            score=0.5,
            sent_to_mentor_at=timezone.now(),
            expires_at=timezone.now() + datetime.timedelta(hours=72),
        )
        _past_requests(NewcomerFactory(), 1)
        Match.objects.create(
            newcomer=NewcomerFactory(),
            mentor=mentor,
            state=MatchState.ENDED,
            origin=MatchOrigin.REQUEST,
            score=0.5,
            sent_to_mentor_at=timezone.now() - datetime.timedelta(days=9),
            decided_at=timezone.now() - datetime.timedelta(days=8),
            ended_at=timezone.now() - datetime.timedelta(days=1),
        )
    return mentor


def test_a_matched_newcomers_home_page_runs_the_same_queries_with_ten_times_the_data():
    assert _queries(_newcomer_with(1)) == _queries(_newcomer_with(10))


def test_a_mentors_home_page_runs_the_same_queries_with_ten_times_the_data():
    assert _queries(_mentor_with(1)) == _queries(_mentor_with(10))


def test_an_unmatched_newcomers_suggestions_run_the_same_queries_with_more_mentors():
    for _ in range(2):
        MentorFactory()
    few = _queries(NewcomerFactory())
    for _ in range(20):
        MentorFactory()
    assert _queries(NewcomerFactory()) == few


def test_the_home_page_stays_within_a_small_number_of_queries(django_assert_max_num_queries):
    newcomer = _newcomer_with(1)
    client = Client()
    client.force_login(newcomer.user)
    with django_assert_max_num_queries(30):
        client.get(reverse("home:me"))
