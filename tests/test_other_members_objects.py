"""Member A against member B's objects: every URL answers exactly as for an id that
does not exist (404, same page), and changes nothing.

A page that answered differently ("not yours", a redirect with a message) would
tell A that B's request, match or reminder exists.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from checkins.models import Reminder
from matching.models import Match, MatchOrigin, MatchState
from messaging.models import Message
from tests.clients import client_for
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

MISSING = 987654321
HUGE = "9" * 30


@pytest.fixture
def objects_of_b():
    """Member B's things: a request waiting for a mentor, an active match, a reminder."""
    newcomer_b, mentor_b = NewcomerFactory(), MentorFactory()
    waiting = Match.objects.create(
        newcomer=newcomer_b,
        mentor=mentor_b,
        origin=MatchOrigin.REQUEST,
        state=MatchState.AWAITING_MENTOR,
        score=0.5,
        sent_to_mentor_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=72),
    )
    active = ActiveMatchFactory(mentor=mentor_b)
    reminder = Reminder.objects.create(
        match=active, recipient=active.newcomer, slot=0, due_at=timezone.now()
    )
    return {"waiting": waiting, "active": active, "reminder": reminder}


# (URL name, method, which object of B, form data)
URLS = [
    ("matching:withdraw", "post", "waiting", {}),
    ("matching:accept", "post", "waiting", {}),
    ("matching:decline", "post", "waiting", {"reason": "not_a_fit"}),
    ("matching:end", "post", "active", {"reason": "Moving away"}),
    ("checkins:new", "get", "active", {}),
    ("checkins:new", "post", "active", {"connected": "yes"}),
    ("checkins:snooze", "post", "reminder", {}),
    ("messaging:conversation", "get", "active", {}),
    ("messaging:conversation", "get", "waiting", {}),
    ("messaging:send", "post", "active", {"text": "Hello"}),
    ("messaging:new", "get", "active", {"after": "0"}),
]


def snapshot(objects):
    match_states = {
        key: Match.objects.get(pk=obj.pk).state for key, obj in objects.items() if key != "reminder"
    }
    reminder = Reminder.objects.get(pk=objects["reminder"].pk)
    return (
        match_states,
        reminder.due_at,
        reminder.snoozed,
        Match.objects.count(),
        Message.objects.count(),
    )


@pytest.mark.parametrize("role", ["newcomer", "mentor"])
@pytest.mark.parametrize(("name", "method", "key", "data"), URLS)
def test_another_members_object_gets_the_same_404_as_a_missing_one(
    objects_of_b, role, name, method, key, data
):
    member_a = NewcomerFactory() if role == "newcomer" else MentorFactory()
    ActiveMatchFactory(**{role: member_a})  # A has objects of their own too
    client = client_for(member_a)
    before = snapshot(objects_of_b)

    theirs = getattr(client, method)(reverse(name, args=[objects_of_b[key].pk]), data)
    missing = getattr(client, method)(reverse(name, args=[MISSING]), data)

    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    assert snapshot(objects_of_b) == before


@pytest.mark.parametrize(("name", "method", "key", "data"), URLS)
def test_an_id_too_large_for_the_database_is_a_404_not_a_crash(
    objects_of_b, name, method, key, data
):
    client = client_for(objects_of_b["active"].newcomer)
    path = reverse(name, args=[MISSING]).replace(str(MISSING), HUGE)
    response = getattr(client, method)(path, data)
    assert response.status_code == 404
    assert response.content == getattr(client, method)(reverse(name, args=[MISSING]), data).content
