"""The recovery check in a real browser on a phone-sized screen: a newcomer takes it
by keyboard alone, comes back three months later, takes it again and reads what changed."""

import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from recovery.models import RecoveryCheck
from tests.e2e.people import sign_in, verified
from tests.factories import NewcomerFactory
from tests.recovery.conftest import ensure_starter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

MARCH = datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC)
JUNE = datetime.datetime(2026, 6, 12, 10, tzinfo=datetime.UTC)


def answer_by_keyboard(page: Page, values: list[int]) -> None:
    """Answer each statement with the keyboard only: Space picks the first answer of a
    group, the right arrow moves along it, Tab goes on to the next statement."""
    page.locator("input[type=radio]").first.focus()
    for value in values:
        page.keyboard.press("Space")
        for _ in range(value - 1):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save my answers")).to_be_focused()
    page.keyboard.press("Enter")


def test_a_newcomer_takes_the_check_twice_by_keyboard_and_reads_what_changed(
    live_server, page: Page
):
    ensure_starter()
    verified(NewcomerFactory(display_name="Wren", user__email="wren@example.org"))

    with time_machine.travel(MARCH, tick=True):
        sign_in(page, live_server.url, "wren@example.org")
        page.goto(live_server.url + "/me/recovery-check/")
        expect(page.get_by_role("heading", name="Your recovery check")).to_be_visible()
        first_group = page.get_by_role("group", name="There are people in my life")
        expect(first_group).to_be_visible()
        answer_by_keyboard(page, [2, 2, 3, 3, 3, 3, 3, 3])
        expect(page.get_by_text("Your answers are saved, and only you see them.")).to_be_visible()
        expect(
            page.get_by_text("Next time, you'll see here what has changed since.")
        ).to_be_visible()

    with time_machine.travel(JUNE, tick=True):
        # Months later the session is long gone (a shared cache keeps it for its age
        # in real time, which travelling in time does not pass): sign in afresh.
        page.context.clear_cookies()
        sign_in(page, live_server.url, "wren@example.org")
        page.goto(live_server.url + "/me/recovery-check/")
        answer_by_keyboard(page, [4, 5, 3, 3, 3, 3, 2, 2])
        expect(page.get_by_role("heading", name="Your recovery over time")).to_be_visible()
        expect(
            page.get_by_text("More support from the people around you than in March.")
        ).to_be_visible()
        expect(
            page.get_by_text("About the same steadiness in day-to-day life as in March.")
        ).to_be_visible()
        expect(page.locator("svg.recovery-chart")).to_be_visible()
        expect(page.get_by_role("table")).to_contain_text("10 Mar 2026")
        # Nothing on the page spills past a phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert [check.score for check in RecoveryCheck.objects.order_by("taken_at")] == [22, 25]


def test_not_now_is_one_tap_and_goes_on_to_the_home_page(live_server, page: Page):
    ensure_starter()
    verified(NewcomerFactory(display_name="Robin", user__email="robin@example.org"))
    sign_in(page, live_server.url, "robin@example.org")
    page.goto(live_server.url + "/me/recovery-check/?first=1")
    page.get_by_role("button", name="Not now").click()
    expect(page.get_by_text("No problem. We'll offer it again another time.")).to_be_visible()
    assert not RecoveryCheck.objects.exists()
