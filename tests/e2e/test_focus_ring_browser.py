"""Wherever focus goes, the ring around it stands out: 3:1 or more against what is
around it, on the light pages, in the dark crisis footer, and in the admin."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.accessibility import focus_ring
from tests.e2e.people import sign_in_with_code
from tests.factories import UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

EVERY_STOP = """[...document.querySelectorAll(
  "a[href], button, input:not([type=hidden]), select, textarea, summary"
)].filter((element) => element.tabIndex >= 0 && element.checkVisibility()
  && !element.disabled).length"""


def rings_on_every_stop(page) -> list[str]:
    """Tab through the whole page; return each stop whose ring a person could miss."""
    problems = []
    for _ in range(page.evaluate(EVERY_STOP)):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        if ring is not None and ring.problem():
            problems.append(ring.problem())
    return problems


def test_the_focus_ring_stands_out_on_every_stop_of_a_members_page(live_server, page):
    page.goto(live_server.url + "/help-now/")
    # The page's links run from the white header to the dark crisis footer.
    assert page.locator("footer a, .crisis a").count() > 0

    assert rings_on_every_stop(page) == []
    ring = focus_ring(page)
    assert ring is not None and re.match(r"rgb\(255, 211, 77\)", ring.colour), ring


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_on_every_stop_of_an_admin_page(
    live_server, browser: Browser, scheme
):
    staff = with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )
    secret = add_authenticator_app(staff)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    sign_in_with_code(page, live_server.url, staff.email, current_code(secret))
    expect(page.get_by_text("Programme administration")).to_be_visible()

    page.goto(live_server.url + "/admin/members/member/")
    assert rings_on_every_stop(page) == []
