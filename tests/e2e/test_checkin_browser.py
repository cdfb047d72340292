"""The "we connected" link from a reminder email, in a real browser: one click
records it; a fetch without a browser (a mail scanner) records nothing."""

import datetime
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from checkins import services
from checkins.models import CheckIn, Reminder
from matching.models import Match, MatchOrigin, MatchState
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_one_click_on_the_emailed_link_records_that_they_connected(live_server, page: Page):
    started = timezone.now() - datetime.timedelta(days=8)
    match = Match.objects.create(
        newcomer=NewcomerFactory(),
        mentor=MentorFactory(),
        state=MatchState.ACTIVE,
        origin=MatchOrigin.STAFF,
        score=0.5,
        sent_to_mentor_at=started,
        decided_at=started,
    )
    reminder = Reminder.objects.create(
        match=match, recipient=match.newcomer, slot=0, due_at=timezone.now()
    )
    url = live_server.url + f"/check-ins/link/{services.link_token(reminder)}/"

    # A mail scanner fetches the link before the person opens the email.
    with urllib.request.urlopen(url) as scanned:
        assert scanned.status == 200
    assert not CheckIn.objects.exists()

    page.goto(url)  # the person's one click, signed out, in a phone's browser
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    checkin = CheckIn.objects.get()
    assert checkin.author == match.newcomer and checkin.connected == "yes" and checkin.via_link

    page.goto(url)
    expect(page.get_by_text("This link was already used.")).to_be_visible()
    assert CheckIn.objects.count() == 1
