"""Blocking a peer in a real browser, on a phone-sized screen."""

import pytest
from playwright.sync_api import Browser, Page, expect

from matching.models import Block
from tests.e2e.people import sign_in, verified
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_newcomer_blocks_their_mentor_who_then_sees_only_that_the_match_ended(
    live_server, page: Page, browser: Browser
):
    newcomer = verified(NewcomerFactory(user__email="robin@example.org", display_name="Robin"))
    mentor = verified(
        MentorFactory(
            user__email="casey@example.org",
            display_name="Casey",
            contact_details="Signal: casey-123",
        )
    )
    MentorFactory(display_name="Jordan")
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)

    sign_in(page, live_server.url, "robin@example.org")
    page.goto(live_server.url + "/my-match/")
    expect(page.get_by_text("You are matched with Casey")).to_be_visible()
    page.get_by_role("button", name="Block", exact=True).click()

    expect(page.get_by_role("heading", name="Block Casey?")).to_be_visible()
    assert not Block.objects.exists()  # the card's button only asks
    page.get_by_label("Anything staff should know? (optional)").fill("Made me uneasy")
    page.get_by_role("button", name="Yes, block Casey").click()

    expect(page.get_by_text("You won't be suggested or matched with each other")).to_be_visible()
    expect(page.get_by_role("heading", name="Peers who might be a good fit")).to_be_visible()
    expect(page.get_by_role("button", name="Ask Jordan")).to_be_visible()
    expect(page.get_by_text("Casey")).to_have_count(0)

    mentor_context = browser.new_context(viewport={"width": 390, "height": 844})
    mentor_page = mentor_context.new_page()
    sign_in(mentor_page, live_server.url, "casey@example.org")
    mentor_page.goto(live_server.url + "/inbox/")
    expect(mentor_page.get_by_role("heading", name="Your active matches")).to_be_visible()
    expect(mentor_page.get_by_text("None yet.")).to_be_visible()
    # Exactly what any end shows: listed as ended, nothing says "blocked".
    expect(mentor_page.get_by_text("Robin: this match ended on")).to_be_visible()
    expect(mentor_page.get_by_text("blocked", exact=False)).to_have_count(0)
    mentor_context.close()
