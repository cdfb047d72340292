"""My steps on a phone: a newcomer sets a step from an idea chip and shares it;
their mentor sees it with the match; once unshared, the mentor no longer does."""

import pytest
from playwright.sync_api import Browser, Page, expect

from steps.forms import EXAMPLES
from steps.models import Step
from tests.e2e.people import sign_in_by_session
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_shared_step_reaches_the_mentor_and_unsharing_takes_it_back(
    live_server, page: Page, browser: Browser
):
    robin = NewcomerFactory(display_name="Robin")
    casey = MentorFactory(display_name="Casey")
    ActiveMatchFactory(newcomer=robin, mentor=casey)
    idea = EXAMPLES[4]  # calling their peer before a hard evening

    sign_in_by_session(page.context, live_server.url, robin.user)
    page.goto(live_server.url + "/me/steps/")
    expect(page.get_by_role("heading", name="Set your first step")).to_be_visible()
    # The chip fills the box in place (the script), and by keyboard alone.
    page.get_by_role("link", name=idea).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your step, in your own words")).to_have_value(idea)
    page.get_by_role("button", name="Save my step").click()
    expect(page.get_by_text("Your step is saved.")).to_be_visible()
    expect(page.get_by_text("Private: only you see this.")).to_be_visible()
    page.get_by_role("button", name="Share with my peer").click()
    expect(page.get_by_text("Your peer can see this step now.")).to_be_visible()
    assert Step.objects.get().shared is True

    mentor_context = browser.new_context(viewport={"width": 390, "height": 844})
    mentor_page = mentor_context.new_page()
    sign_in_by_session(mentor_context, live_server.url, casey.user)
    mentor_page.goto(live_server.url + "/inbox/")
    expect(mentor_page.locator(".shared-step", has_text=idea)).to_be_visible()
    mentor_page.get_by_role("link", name="Ask about this step").click()
    expect(mentor_page.get_by_label("Your message")).to_have_value(
        f"How is it going with “{idea}”?"
    )

    page.get_by_role("button", name="Stop sharing this step").click()
    expect(page.get_by_text("This step is private again.")).to_be_visible()

    mentor_page.goto(live_server.url + "/inbox/")
    expect(mentor_page.get_by_role("heading", name="Robin")).to_be_visible()
    expect(mentor_page.get_by_text(idea)).to_have_count(0)
    mentor_context.close()
