"""A newcomer's first weeks on a phone, from sign-up to their first trend, and what
their mentor sees of their steps at each point.

The newcomer signs up, sets two steps and shares one, asks a peer and is matched. At
the check-in they note how each step went and take the recovery check, then read
their trend. The mentor sees the shared step and never the private one; once the
newcomer stops sharing it, the mentor no longer sees it either. Each new page passes
axe-core with no serious or critical violation.
"""

import pytest
from playwright.sync_api import Browser, Page, expect

from matching.models import Match, MatchState
from recovery.models import RecoveryCheck
from steps.models import StepAnswer
from tests.e2e.accessibility import serious_violations
from tests.e2e.people import sign_in_by_session
from tests.e2e.test_onboarding_browser import sign_up
from tests.factories import MentorFactory
from tests.recovery.conftest import ensure_starter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SHARED = "Call Casey before a hard evening"
PRIVATE = "Drink on two nights a week at most"


def accessible(page: Page) -> None:
    assert serious_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def onboard(page: Page) -> None:
    page.get_by_label("English").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Reducing harm").check()
    page.get_by_label("12-step").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Your display name").check()
    page.get_by_role("button", name="Finish").click()


def add_step(page: Page, text: str) -> None:
    page.get_by_label("Your step, in your own words").fill(text)
    page.get_by_role("button", name="Save my step").click()
    expect(page.get_by_text("Your step is saved.")).to_be_visible()


def test_a_newcomer_sets_steps_is_matched_checks_in_and_sees_their_trend(
    live_server, page: Page, browser: Browser
):
    ensure_starter()
    casey = MentorFactory(display_name="Casey", open_to_harm_reduction=True)
    base = live_server.url

    sign_up(page, base, door="Find a peer", name="Robin", email="robin@example.org")
    onboard(page)
    # The recovery check is offered once at the end of onboarding; Robin leaves it for now.
    expect(page.get_by_role("heading", name="Your recovery check")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Home").first.click()
    expect(page.get_by_role("heading", name="What's next")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Set your first step").click()
    add_step(page, SHARED)
    add_step(page, PRIVATE)
    page.locator("section.step", has_text=SHARED).get_by_role(
        "button", name="Share with my peer"
    ).click()
    expect(page.get_by_text("Your peer can see this step now.")).to_be_visible()
    accessible(page)

    page.goto(base + "/peers/")
    page.get_by_role("button", name="Ask Casey").click()
    match = Match.objects.get(newcomer__display_name="Robin")

    mentor_context = browser.new_context(viewport={"width": 390, "height": 844})
    mentor = mentor_context.new_page()
    sign_in_by_session(mentor_context, base, casey.user)
    mentor.goto(base + "/me/")
    expect(mentor.get_by_text("A request is waiting for your answer.")).to_be_visible()
    accessible(mentor)
    mentor.goto(base + "/inbox/")
    mentor.get_by_role("button", name="Accept").click()
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE

    # Matched: the mentor sees the shared step, never the private one.
    mentor.goto(base + f"/check-ins/match/{match.pk}/")
    expect(mentor.get_by_text(SHARED)).to_be_visible()
    expect(mentor.get_by_text(PRIVATE)).to_have_count(0)
    mentor.goto(base + "/inbox/")
    expect(mentor.get_by_text(SHARED)).to_be_visible()
    expect(mentor.get_by_text(PRIVATE)).to_have_count(0)

    # The check-in: how each step went, and the recovery check it offers.
    page.goto(base + "/me/")
    expect(page.get_by_text("You are matched with Casey.")).to_be_visible()
    page.goto(base + f"/check-ins/match/{match.pk}/")
    accessible(page)
    page.get_by_label("Yes, we connected").check()
    page.get_by_role("group", name=f"Your step: {SHARED}").get_by_label("Went well").check()
    page.get_by_role("group", name=f"Your step: {PRIVATE}").get_by_label("Not this week").check()
    page.get_by_role("button", name="Send check-in").click()
    assert sorted(StepAnswer.objects.values_list("answer", flat=True)) == [
        "not_this_week",
        "went_well",
    ]

    page.goto(base + f"/check-ins/match/{match.pk}/")
    page.get_by_role("link", name="Take the recovery check (2 minutes)").click()
    # The check-in page has radio groups too: read the groups only once the check is shown.
    expect(page.get_by_role("heading", name="Your recovery check")).to_be_visible()
    for group in page.get_by_role("group").all():
        if group.locator("input[type=radio]").count():
            group.locator("input[type=radio]").nth(3).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("heading", name="Your recovery over time")).to_be_visible()
    accessible(page)
    assert RecoveryCheck.objects.filter(member__display_name="Robin").count() == 1

    # Robin stops sharing: the mentor no longer sees the step anywhere.
    page.goto(base + "/me/steps/")
    page.locator("section.step", has_text=SHARED).get_by_role(
        "button", name="Stop sharing this step"
    ).click()
    expect(page.get_by_text("This step is private again.")).to_be_visible()
    for address in ("/inbox/", f"/check-ins/match/{match.pk}/", f"/messages/{match.pk}/"):
        mentor.goto(base + address)
        expect(mentor.get_by_text(SHARED)).to_have_count(0)
        expect(mentor.get_by_text(PRIVATE)).to_have_count(0)
    mentor_context.close()
