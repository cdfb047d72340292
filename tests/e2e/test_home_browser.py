"""The member home page in a real browser, on a phone: sign-in lands there, it says
what is next, and everything on it is reachable by keyboard alone."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.people import sign_in, verified
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def _tab_to(page: Page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text is `name`; fail if it never is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and focused.strip() == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with the keyboard")


def test_a_newcomer_signs_in_lands_on_their_home_page_and_reaches_what_is_next_by_keyboard(
    live_server, page: Page
):
    verified(
        NewcomerFactory(
            user__email="robin@example.org", display_name="Robin", tags=[tag("pathway-smart")]
        )
    )
    MentorFactory(display_name="Casey", tags=[tag("pathway-smart")])

    sign_in(page, live_server.url, "robin@example.org")

    expect(page).to_have_url(live_server.url + "/me/")
    assert page.viewport_size == {"width": 390, "height": 844}
    expect(page.get_by_role("heading", name="Hi, Robin")).to_be_visible()
    expect(page.get_by_role("heading", name="What's next")).to_be_visible()
    expect(page.get_by_role("heading", name="Casey")).to_be_visible()
    expect(page.get_by_text("You both use SMART Recovery")).to_be_visible()
    expect(page.get_by_role("link", name="I need help now")).to_be_visible()
    expect(page.get_by_role("link", name="Get help right away")).to_be_visible()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    _tab_to(page, "See all your suggested peers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Peers who might be a good fit")).to_be_visible()

    page.go_back()
    _tab_to(page, "Resources and support near you")
