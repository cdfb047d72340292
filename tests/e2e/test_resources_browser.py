"""The resources page on a phone, by keyboard, checked by axe-core."""

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_reaches_the_resources_from_help_now_by_keyboard(live_server, page):
    page.goto(f"{live_server.url}/help-now/")
    link = page.get_by_role("link", name="More help and resources: naloxone", exact=False)
    link.focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/resources/")
    expect(page.get_by_role("heading", name="Naloxone (Narcan)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
