"""Check-in pages and reminder emails name a peer only as that peer chose."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from checkins import services
from matching import services as matching_services
from tests.clients import client_for
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

HIDDEN_NEWCOMER = "Quillon"
HIDDEN_MENTOR = "Zebedee"


@pytest.fixture
def match():
    return ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name=HIDDEN_NEWCOMER, share_display_name=False),
        mentor=MentorFactory(display_name=HIDDEN_MENTOR, share_display_name=False),
    )


@pytest.mark.parametrize("side, hidden", [("newcomer", HIDDEN_MENTOR), ("mentor", HIDDEN_NEWCOMER)])
def test_check_in_pages_never_name_a_peer_who_hides_their_name(match, side, hidden):
    client = client_for(getattr(match, side))
    upcoming = client.get(reverse("checkins:upcoming")).content.decode()
    assert "Check in now" in upcoming
    assert hidden not in upcoming

    new = client.get(reverse("checkins:new", args=[match.pk])).content.decode()
    assert "Check in about your peer" in new
    assert hidden not in new


def test_check_in_pages_name_a_peer_who_shares_their_name():
    match = ActiveMatchFactory(mentor=MentorFactory(display_name="Casey"))
    client = client_for(match.newcomer)
    assert "Casey" in client.get(reverse("checkins:upcoming")).content.decode()
    new = client.get(reverse("checkins:new", args=[match.pk])).content.decode()
    assert "Check in about Casey" in new


def test_ended_match_check_in_page_does_not_name_a_hidden_peer(match):
    matching_services.match_end(
        match_id=match.pk, ended_by="newcomer", member=match.newcomer, reason="Done"
    )
    new = client_for(match.mentor).get(reverse("checkins:new", args=[match.pk])).content.decode()
    assert "This match has ended" in new
    assert HIDDEN_NEWCOMER not in new


def test_reminder_emails_never_name_a_peer_who_hides_their_name(match):
    with time_machine.travel(match.decided_at + datetime.timedelta(days=8), tick=False):
        services.reminders_create_due()
        ids = services.reminders_claim_due()
        services.reminders_send(reminder_ids=ids)
    assert len(mail.outbox) == 2
    for email in mail.outbox:
        texts = [email.body, *(content for content, _ in email.alternatives)]
        hidden = HIDDEN_MENTOR if email.to == [match.newcomer.user.email] else HIDDEN_NEWCOMER
        assert all("with your peer?" in text for text in texts)
        assert all(hidden not in text for text in texts)
