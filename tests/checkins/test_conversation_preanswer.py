"""A check-in sees that a conversation took place and pre-answers "Did you connect?".

The member still submits the form: PeerLink never records a check-in for them.
"""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn
from messaging.models import Conversation, Message
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db

SENTENCE = "You both wrote in your conversation, so we've chosen Yes"
YES_CHECKED = re.compile(r'<input[^>]*value="yes"[^>]*checked')
ANY_CHECKED = re.compile(r'<input[^>]*name="connected"[^>]*checked')


@pytest.fixture
def match():
    match = ActiveMatchFactory()
    Conversation.objects.create(match=match)
    return match


def write(match, sender, when=None):
    message = Message.objects.create(conversation=match.conversation, sender=sender, text="Hi")
    if when is not None:
        Message.objects.filter(pk=message.pk).update(created_at=when)


def form_for(member, match) -> str:
    client = Client()
    client.force_login(member.user)
    response = client.get(reverse("checkins:new", args=[match.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_both_sides_wrote_so_the_form_pre_answers_yes_and_says_why(match):
    write(match, match.newcomer)
    write(match, match.mentor)
    page = form_for(match.newcomer, match)
    assert YES_CHECKED.search(page)
    assert SENTENCE in page
    assert "change it if that" in page
    assert not CheckIn.objects.exists(), "only the member's own submit records a check-in"


def test_only_one_side_wrote_so_nothing_is_pre_answered(match):
    write(match, match.newcomer)
    write(match, match.newcomer)
    page = form_for(match.newcomer, match)
    assert not ANY_CHECKED.search(page)
    assert SENTENCE not in page
    assert SENTENCE not in form_for(match.mentor, match)


def test_no_conversation_no_pre_answer():
    match = ActiveMatchFactory()
    page = form_for(match.mentor, match)
    assert not ANY_CHECKED.search(page) and SENTENCE not in page


def test_only_messages_since_the_members_last_check_in_count(match):
    start = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
    write(match, match.newcomer, start)
    write(match, match.mentor, start)
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        services.checkin_record(match_id=match.pk, author=match.newcomer, connected="yes")
    write(match, match.mentor, start + datetime.timedelta(hours=2))
    assert SENTENCE not in form_for(match.newcomer, match), "the newcomer has not written since"

    write(match, match.newcomer, start + datetime.timedelta(hours=3))
    page = form_for(match.newcomer, match)
    assert SENTENCE in page and YES_CHECKED.search(page)


def test_messages_before_the_match_started_do_not_count(match):
    before = match.decided_at - datetime.timedelta(days=1)
    write(match, match.newcomer, before)
    write(match, match.mentor)
    assert SENTENCE not in form_for(match.mentor, match)


def test_the_member_can_still_answer_otherwise(match):
    write(match, match.newcomer)
    write(match, match.mentor)
    client = Client()
    client.force_login(match.mentor.user)
    response = client.post(reverse("checkins:new", args=[match.pk]), {"connected": "tried"})
    assert response.status_code == 302
    assert CheckIn.objects.get(author=match.mentor).connected == "tried"
