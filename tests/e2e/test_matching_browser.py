"""The matching journey in a real browser: request, accept, contact revealed."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.people import sign_in, verified
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_newcomer_requests_a_peer_and_sees_contact_once_accepted(
    live_server, page: Page, browser: Browser
):
    verified(
        NewcomerFactory(
            user__email="robin@example.org",
            display_name="Robin",
            tags=[tag("pathway-smart"), tag("life_situation-veteran")],
        )
    )
    verified(
        MentorFactory(
            user__email="casey@example.org",
            display_name="Casey",
            contact_details="Signal: casey-123",
            tags=[tag("pathway-smart"), tag("life_situation-veteran")],
        )
    )

    sign_in(page, live_server.url, "robin@example.org")
    page.get_by_role("link", name="See all your suggested peers").click()
    expect(page.get_by_role("heading", name="Peers who might be a good fit")).to_be_visible()
    expect(page.get_by_text("You both use SMART Recovery")).to_be_visible()
    expect(page.get_by_text("Signal: casey-123")).to_have_count(0)
    page.get_by_role("button", name="Ask Casey").click()
    expect(page.get_by_text("Your request is on its way.")).to_be_visible()

    mentor_context = browser.new_context(viewport={"width": 390, "height": 844})
    mentor_page = mentor_context.new_page()
    sign_in(mentor_page, live_server.url, "casey@example.org")
    mentor_page.get_by_role("link", name="Answer requests").click()
    expect(mentor_page.get_by_role("heading", name="Robin")).to_be_visible()
    expect(mentor_page.get_by_text("You're both veterans")).to_be_visible()
    mentor_page.get_by_role("button", name="Accept").click()
    expect(mentor_page.get_by_text("You accepted.")).to_be_visible()
    mentor_context.close()

    page.reload()
    expect(page.get_by_text("You are matched with Casey")).to_be_visible()
    expect(page.get_by_text("Signal: casey-123")).to_be_visible()
