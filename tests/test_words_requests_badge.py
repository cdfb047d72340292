"""The mentor's Requests badge counts requests waiting; unread messages are labelled apart."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from matching import services as matching_services
from messaging.services import open_conversation, send_message
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def requests_link(mentor) -> str:
    client = Client()
    client.force_login(mentor.user)
    page = client.get(reverse("home:me")).content.decode()
    link = re.search(rf'<a href="{reverse("matching:inbox")}">Requests(.*?)</a>', page, re.S)
    return link.group(1)


def request_from_a_newcomer(mentor) -> None:
    matching_services.match_request(newcomer=NewcomerFactory(), mentor_ids=[mentor.pk], user=None)


def unread_message_from_a_matched_newcomer(mentor) -> None:
    match = ActiveMatchFactory(mentor=mentor)
    open_conversation(match=match)
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


def test_a_mentor_with_nothing_waiting_sees_no_badge():
    assert requests_link(MentorFactory()).strip() == ""
