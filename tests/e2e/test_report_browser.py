"""A report reaches staff in a real browser: the email's link, the context, an action."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from checkins.models import CheckIn
from matching.models import MatchState
from tests.e2e.people import give_reason, sign_in, sign_in_with_code, verified
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_newcomer_reports_their_mentor_and_staff_end_the_match_from_its_page(
    live_server, page: Page, browser: Browser, mailoutbox, settings
):
    settings.PEERLINK_SITE_URL = live_server.url
    newcomer = verified(NewcomerFactory(user__email="robin@example.org", display_name="Robin"))
    match = ActiveMatchFactory(newcomer=newcomer, mentor=MentorFactory(display_name="Casey"))
    CheckIn.objects.create(match=match, author=newcomer, connected="tried", note="No reply")
    staff_user = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    secret = add_authenticator_app(with_verified_email(staff_user))

    sign_in(page, live_server.url, "robin@example.org")
    page.goto(live_server.url + "/my-match/")
    page.get_by_role("link", name="Report a concern").click()
    expect(page.get_by_role("heading", name="Report a concern about Casey")).to_be_visible()
    page.get_by_label("What happened?").fill("Keeps messaging me at night")
    page.get_by_role("button", name="Send to staff").click()
    expect(page.get_by_text("Our staff will look at this soon.")).to_be_visible()

    alert = next(m for m in mailoutbox if m.to == ["coordinator@example.org"])
    assert "Casey" not in alert.body and "Robin" not in alert.body
    link = re.search(r"https?://\S+", alert.body).group(0)

    staff_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with_code(
        staff_page,
        live_server.url,
        "coordinator@example.org",
        current_code(secret),
        next_path=link.removeprefix(live_server.url),
    )
    # The report names both members: staff say why before it opens.
    expect(staff_page.get_by_text("Keeps messaging me at night")).to_have_count(0)
    give_reason(staff_page, "Safety concern or report")
    expect(staff_page.get_by_text("Keeps messaging me at night")).to_be_visible()
    expect(staff_page.get_by_role("cell", name="No reply")).to_be_visible()

    # Act from the report's page, confirmed with a note.
    staff_page.get_by_role("link", name="End the reported match").click()
    staff_page.get_by_label("Note").fill("Spoke to Robin; ending it.")
    staff_page.get_by_role("button", name="Yes: End the reported match").click()
    expect(staff_page.get_by_text(re.compile("ended the match"))).to_be_visible()
    match.refresh_from_db()
    assert match.state == MatchState.ENDED
