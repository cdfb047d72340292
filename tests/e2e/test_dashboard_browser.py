"""The programme dashboard in a real browser: axe finds nothing serious, on a desktop
and on a phone, the charts fit the screen, and the period is chosen by keyboard."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, expect

from bench.dashboard import seed_activity
from tests.e2e.accessibility import serious_violations
from tests.e2e.people import PASSWORD
from tests.factories import UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def signed_in_coordinator(live_server, browser: Browser, size: str):
    user = with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )
    secret = add_authenticator_app(user)
    page = browser.new_context(**SIZES[size]).new_page()
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.locator("input[name=code]").fill(current_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Programme administration")).to_be_visible()
    return page


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_and_summary_pass_axe_and_fit_the_screen(live_server, browser, size):
    call_command("seed_demo", newcomers=40, mentors=15, stdout=io.StringIO())
    seed_activity(seed=3, now=timezone.now())
    page = signed_in_coordinator(live_server, browser, size)

    page.goto(live_server.url + "/admin/dashboard/")
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    expect(page.get_by_role("img", name="Requests answered per week")).to_be_visible()
    assert serious_violations(page) == []
    width = SIZES[size]["viewport"]["width"]
    assert page.locator("figure.programme-chart svg").first.bounding_box()["width"] <= width
    # Nothing makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="Printable summary").click()
    expect(page.get_by_text("PeerLink programme summary")).to_be_visible()
    assert serious_violations(page) == []


def test_the_period_is_chosen_by_keyboard_alone(live_server, browser):
    page = signed_in_coordinator(live_server, browser, "desktop")
    page.goto(live_server.url + "/admin/dashboard/")

    page.get_by_label("Last").focus()
    page.keyboard.press("ArrowDown")  # from the default 12 weeks to 26
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_text("(182 days)")).to_be_visible()
