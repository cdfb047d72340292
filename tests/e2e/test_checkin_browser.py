"""The "we connected" link from a reminder email, in a real browser: one click
records it; a fetch without a browser (a mail scanner) records nothing."""

import urllib.request

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from checkins import services
from checkins.models import CheckIn, Reminder
from tests.e2e.people import sign_in, sign_in_with_code, verified
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_one_click_on_the_emailed_link_records_that_they_connected(live_server, page: Page):
    match = ActiveMatchFactory()
    reminder = Reminder.objects.create(
        match=match, recipient=match.newcomer, slot=0, due_at=timezone.now()
    )
    url = live_server.url + f"/check-ins/link/{services.link_token(reminder)}/"

    # A mail scanner fetches the link before the person opens the email.
    with urllib.request.urlopen(url) as scanned:
        assert scanned.status == 200
    assert not CheckIn.objects.exists()

    page.goto(url)  # the person's one click, signed out, in a phone's browser
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    checkin = CheckIn.objects.get()
    assert checkin.author == match.newcomer and checkin.connected == "yes" and checkin.via_link

    page.goto(url)
    expect(page.get_by_text("This link was already used.")).to_be_visible()
    assert CheckIn.objects.count() == 1


def test_a_mentor_checks_in_with_a_concern_and_staff_see_it_at_once(
    live_server, page: Page, browser: Browser, mailoutbox
):
    ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name="Robin"),
        mentor=verified(MentorFactory(display_name="Casey", user__email="casey@example.org")),
    )
    staff_user = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    secret = add_authenticator_app(with_verified_email(staff_user))

    sign_in(page, live_server.url, "casey@example.org")
    page.get_by_role("link", name="Check-ins").click()
    page.get_by_role("link", name="Check in now").click()
    expect(page.get_by_role("heading", name="Check in about Robin")).to_be_visible()
    # Nothing is chosen for them, and sending without an answer says what is missing.
    expect(page.get_by_text("---------")).to_have_count(0)
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_text("Choose one: yes, you tried, or not yet.")).to_be_visible()

    page.get_by_label("I tried, but we didn't connect").check()
    page.get_by_label("How is it going?").select_option(label="2")
    page.get_by_label("There is something staff should know").check()
    page.get_by_label("Anything to add?").fill("Robin mentioned a rough week.")
    page.get_by_role("button", name="Send check-in").click()
    expect(page.get_by_text("Thanks for checking in. Staff will be in touch.")).to_be_visible()

    checkin = CheckIn.objects.get()
    assert (checkin.connected, checkin.rating, checkin.concern) == ("tried", 2, True)
    [alert] = [m for m in mailoutbox if m.to == ["coordinator@example.org"]]
    assert "Robin" not in alert.body and "rough week" not in alert.body

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with_code(staff, live_server.url, "coordinator@example.org", current_code(secret))
    staff.goto(live_server.url + reverse("admin:checkins_attention"))
    expect(staff.get_by_text("raised a concern in a check-in")).to_be_visible()
    expect(staff.get_by_text("Robin").first).to_be_visible()
