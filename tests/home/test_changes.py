"""A second visit to the home page says what changed since the last one."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from home.models import HomeVisit
from home.services import home_visit_record
from matching import services
from matching.models import MatchingSettings
from members.models import Member
from messaging.services import conversation_start, send_message
from safety import services as safety_services
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

ME = reverse("home:me")
# Monday 2 March 2026, 14:00 UTC: 09:00 in New York, the factories' zone.
FIRST = datetime.datetime(2026, 3, 2, 14, 0, tzinfo=datetime.UTC)
LATER = FIRST + datetime.timedelta(hours=5)


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _visit(client, when) -> str:
    with time_machine.travel(when, tick=False):
        return client.get(ME).text


def test_the_first_visit_has_nothing_to_compare_with(newcomer_client):
    page = _visit(newcomer_client, FIRST)
    assert "Since your last visit" not in page


def test_a_second_visit_says_when_the_last_was_in_the_members_own_time_zone(newcomer):
    Member.objects.filter(pk=newcomer.pk).update(time_zone="Pacific/Auckland")
    client = _client(newcomer)
    _visit(client, FIRST)

    page = _visit(client, LATER)

    # 14:00 UTC on Monday is 03:00 on Tuesday in Auckland.
    assert "Since your last visit on Tuesday 3 March at 03:00" in page
    assert "Nothing new" in page


def test_the_newcomer_sees_that_their_mentor_said_yes(newcomer, mentor):
    client = _client(newcomer)
    with time_machine.travel(FIRST, tick=False):
        match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
        client.get(ME)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        services.match_accept(match_id=match.pk, mentor=mentor)

    assert "Bob said yes: you are matched." in _visit(client, LATER)


def test_the_newcomer_sees_that_their_request_moved_on_to_their_next_choice(newcomer, mentor):
    second = MentorFactory(display_name="Sage")
    client = _client(newcomer)
    with time_machine.travel(FIRST, tick=False):
        match = services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk, second.pk], user=None
        )
        client.get(ME)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        services.match_decline(match_id=match.pk, mentor=mentor, reason="no_capacity")

    page = _visit(client, LATER)

    assert "Your request to Bob moved on." in page
    assert "Your request is now with Sage." in page


def test_the_mentor_sees_new_requests_and_a_match_that_ended(mentor):
    newcomer = NewcomerFactory(display_name="Casey")
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    client = _client(mentor)
    _visit(client, FIRST)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        services.match_end(match_id=match.pk, ended_by="newcomer", reason="Moving", member=newcomer)
        services.match_request(newcomer=NewcomerFactory(), mentor_ids=[mentor.pk], user=None)

    page = _visit(client, LATER)

    assert "A new request is waiting for you." in page
    assert "Your match with Casey ended." in page


def test_a_block_reads_exactly_as_any_end(mentor):
    newcomer = NewcomerFactory(display_name="Casey")
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    client = _client(mentor)
    _visit(client, FIRST)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        safety_services.member_block(blocker=newcomer, blocked=mentor)

    page = _visit(client, LATER)

    assert "Your match with Casey ended." in page
    assert "block" not in page.lower().replace("blockquote", "")


def test_new_messages_since_the_last_visit_are_mentioned(newcomer, mentor):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    conversation_start(match=match)
    client = _client(newcomer)
    _visit(client, FIRST)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        send_message(member=mentor, match_id=match.pk, text="Thinking of you")

    assert "You have a new message." in _visit(client, LATER)


def test_a_check_in_now_due_is_mentioned(newcomer, mentor):
    # The first check-in comes due a week after the match started, between the visits.
    ActiveMatchFactory(
        newcomer=newcomer, mentor=mentor, decided_at=FIRST - datetime.timedelta(days=7, hours=1)
    )
    client = _client(newcomer)
    _visit(client, FIRST - datetime.timedelta(days=1))

    assert "A check-in on your match with Bob is due." in _visit(client, LATER)
    # Said once: the visit after that compares with this one.
    assert "is due." not in _visit(client, LATER + datetime.timedelta(hours=2))


def test_a_reload_keeps_showing_what_changed(newcomer, mentor):
    client = _client(newcomer)
    with time_machine.travel(FIRST, tick=False):
        match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
        client.get(ME)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        services.match_accept(match_id=match.pk, mentor=mentor)
    _visit(client, LATER)

    assert "Bob said yes" in _visit(client, LATER + datetime.timedelta(minutes=5))


def test_a_later_visit_compares_with_the_one_before(newcomer):
    first = home_visit_record(member=newcomer, now=FIRST)
    second = home_visit_record(member=newcomer, now=LATER)
    third = home_visit_record(member=newcomer, now=LATER + datetime.timedelta(days=1))

    assert first is None
    assert second == FIRST
    assert third == LATER
    assert HomeVisit.objects.filter(member=newcomer).count() == 1


def test_a_reload_is_the_same_visit_and_writes_nothing(newcomer, django_assert_num_queries):
    minute = datetime.timedelta(minutes=1)
    home_visit_record(member=newcomer, now=FIRST)
    assert home_visit_record(member=newcomer, now=LATER) == FIRST

    with django_assert_num_queries(1):  # the read: a reload changes nothing
        assert home_visit_record(member=newcomer, now=LATER + minute / 2) == FIRST
    assert HomeVisit.objects.get(member=newcomer).visited_at == LATER

    # Still the same visit while the loads are less than half an hour apart...
    assert home_visit_record(member=newcomer, now=LATER + 20 * minute) == FIRST
    assert home_visit_record(member=newcomer, now=LATER + 45 * minute) == FIRST
    # ...and a new one after half an hour away, compared with the last load before it.
    assert home_visit_record(member=newcomer, now=LATER + 80 * minute) == LATER + 45 * minute


def test_nothing_is_said_about_a_request_the_mentor_was_never_asked(mentor):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    client = _client(mentor)
    _visit(client, FIRST)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        newcomer = NewcomerFactory(display_name="Quiet Quinn")
        services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)

    page = _visit(client, LATER)

    assert "Quiet Quinn" not in page
    assert "Nothing new" in page


def test_the_newcomer_is_told_their_mentor_ended_the_match_not_their_own_ending(newcomer, mentor):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    client = _client(newcomer)
    _visit(client, FIRST)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        services.match_end(match_id=match.pk, ended_by="mentor", reason="Moving", member=mentor)
    assert "Your match with Bob ended." in _visit(client, LATER)

    again = ActiveMatchFactory(newcomer=newcomer, mentor=MentorFactory(display_name="Sage"))
    with time_machine.travel(LATER + datetime.timedelta(hours=1), tick=False):
        services.match_end(match_id=again.pk, ended_by="newcomer", reason="Done", member=newcomer)
    assert "Your match with Sage ended." not in _visit(client, LATER + datetime.timedelta(hours=2))


def test_a_name_that_ends_in_a_full_stop_ends_the_sentence_once(newcomer, mentor):
    second = MentorFactory(display_name="Sage F.")
    client = _client(newcomer)
    with time_machine.travel(FIRST, tick=False):
        match = services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk, second.pk], user=None
        )
        client.get(ME)
    with time_machine.travel(FIRST + datetime.timedelta(hours=1), tick=False):
        services.match_decline(match_id=match.pk, mentor=mentor, reason="no_capacity")

    page = _visit(client, LATER)

    assert (
        "Your request is now with Sage F. " in page or "Your request is now with Sage F.<" in page
    )
    assert "Sage F.." not in page
