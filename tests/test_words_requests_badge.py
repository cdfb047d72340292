"""The mentor's Requests badge counts requests waiting; unread messages are labelled apart."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching import services as matching_services
from matching.models import EndedBy, Match, MatchState
from messaging.services import conversation_start, send_message
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def requests_link(mentor, page: str = "home:me") -> str:
    client = Client()
    client.force_login(mentor.user)
    html = client.get(reverse(page)).content.decode()
    link = re.search(rf'<a href="{reverse("matching:inbox")}">Requests(.*?)</a>', html, re.S)
    return link.group(1)


def my_peer_link(newcomer, page: str) -> str:
    client = Client()
    client.force_login(newcomer.user)
    html = client.get(reverse(page)).content.decode()
    link = re.search(rf'<a href="{reverse("matching:status")}">My peer(.*?)</a>', html, re.S)
    return link.group(1)


def end(match) -> None:
    Match.objects.filter(pk=match.pk).update(
        state=MatchState.ENDED, ended_at=timezone.now(), ended_by=EndedBy.MENTOR
    )


def request_from_a_newcomer(mentor) -> None:
    matching_services.match_request(newcomer=NewcomerFactory(), mentor_ids=[mentor.pk], user=None)


def unread_message_from_a_matched_newcomer(mentor) -> None:
    match = ActiveMatchFactory(mentor=mentor)
    conversation_start(match=match)
    send_message(member=match.newcomer, match_id=match.pk, text="Hi there")


def test_the_requests_badge_counts_requests_waiting_for_the_mentor():
    mentor = MentorFactory(capacity=5)
    request_from_a_newcomer(mentor)
    request_from_a_newcomer(mentor)

    badge = requests_link(mentor)

    assert re.search(r'<span class="badge">2<span class="visually-hidden"> waiting', badge)


def test_unread_messages_do_not_count_as_requests_and_say_what_they_are():
    mentor = MentorFactory(capacity=5)
    unread_message_from_a_matched_newcomer(mentor)
    unread_message_from_a_matched_newcomer(mentor)

    badge = requests_link(mentor)

    assert "waiting" not in badge
    assert re.sub(r"<[^>]+>", "", badge).strip() == "2 unread messages"


@pytest.mark.parametrize("page", ["home:me", "matching:inbox", "checkins:upcoming"])
def test_every_page_counts_requests_and_unread_messages_alike(page):
    """Pages that read the requests and unread messages for themselves give the
    header their totals; the others count them for it: both say the same."""
    mentor = MentorFactory(capacity=5)
    request_from_a_newcomer(mentor)
    request_from_a_newcomer(mentor)
    unread_message_from_a_matched_newcomer(mentor)
    unread_message_from_a_matched_newcomer(mentor)
    end(Match.objects.filter(mentor=mentor, state=MatchState.ACTIVE).first())

    badge = requests_link(mentor, page)

    assert re.search(r'<span class="badge">2<span class="visually-hidden"> waiting', badge)
    assert "2 unread" in re.sub(r"<[^>]+>", "", badge)


@pytest.mark.parametrize("page", ["home:me", "matching:status", "members:profile"])
def test_a_newcomers_unread_count_includes_an_ended_conversation(page):
    newcomer = NewcomerFactory()
    ended = ActiveMatchFactory(newcomer=newcomer)
    conversation_start(match=ended)
    send_message(member=ended.mentor, match_id=ended.pk, text="Take care")
    end(ended)
    current = ActiveMatchFactory(newcomer=newcomer)
    conversation_start(match=current)
    send_message(member=current.mentor, match_id=current.pk, text="Hello")
    send_message(member=current.mentor, match_id=current.pk, text="How are you?")

    assert 'aria-label="3 unread messages"' in my_peer_link(newcomer, page)


def test_a_mentor_with_nothing_waiting_sees_no_badge():
    assert requests_link(MentorFactory()).strip() == ""
