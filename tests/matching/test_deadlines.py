"""When a mentor is asked to answer: one wording, read the same on both sides."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from matching import services
from matching.deadlines import request_deadline
from matching.models import MatchingSettings, MatchState

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 15:00 in New York (the factories' zone): 72 hours to answer.
SENT = datetime.datetime(2026, 3, 2, 20, 0, tzinfo=datetime.UTC)
DEADLINE = "An answer is due by Thursday 5 March. If none comes by then, the request moves on."


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def _deadlines_in(html: str) -> list[str]:
    return re.findall(
        r"An answer is due by [^.]+\. If none comes by then, the request moves on\.", html
    )


@pytest.fixture
def asked(newcomer, mentor, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(SENT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        return services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)


def test_the_newcomer_and_the_mentor_read_the_same_words_and_date_on_every_page(
    asked, newcomer, mentor
):
    newcomer_client, mentor_client = _client(newcomer), _client(mentor)
    with time_machine.travel(SENT + datetime.timedelta(hours=1), tick=False):
        seen = {
            "newcomer's status page": newcomer_client.get(reverse("matching:status")).text,
            "newcomer's home page": newcomer_client.get(reverse("home:me")).text,
            "mentor's inbox": mentor_client.get(reverse("matching:inbox")).text,
            "mentor's home page": mentor_client.get(reverse("home:me")).text,
        }
    for page, html in seen.items():
        assert _deadlines_in(html) == [DEADLINE], page
    for html in seen.values():
        assert "a few days" not in html


def test_the_request_email_to_the_mentor_words_the_deadline_as_the_pages_do(asked, mentor):
    (email,) = [message for message in mail.outbox if message.to == [mentor.user.email]]
    assert DEADLINE in email.body


def test_the_date_is_named_in_the_readers_own_time_zone(asked):
    # Thursday 20:00 UTC is already Friday in Auckland.
    assert "Friday 6 March" in request_deadline(asked, zone=zoneinfo.ZoneInfo("Pacific/Auckland"))


def test_a_request_waiting_for_staff_has_no_date_yet(newcomer, mentor, client):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    assert match.state == MatchState.PENDING_APPROVAL

    assert request_deadline(match) == ""
    page = _client(newcomer).get(reverse("matching:status")).text
    assert "Our staff are looking at your request" in page
    assert not _deadlines_in(page)


def test_an_answered_request_shows_no_deadline_any_more(asked, mentor):
    with time_machine.travel(SENT + datetime.timedelta(hours=1), tick=False):
        match = services.match_accept(match_id=asked.pk, mentor=mentor)
        page = _client(mentor).get(reverse("matching:inbox")).text

    assert request_deadline(match) == ""
    assert not _deadlines_in(page)
