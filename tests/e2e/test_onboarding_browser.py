"""The newcomer and mentor journeys in a real browser on a phone-sized screen."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from members.models import Member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def sign_up(page: Page, base: str, *, door: str, name: str, email: str) -> None:
    page.goto(base + "/")
    page.get_by_role("link", name=re.compile(door)).click()
    page.get_by_label("What should we call you?").fill(name)
    page.get_by_label("Year you were born").fill(str(timezone.localdate().year - 29))
    page.get_by_label("I confirm I am 18 or older").check()
    page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill("quiet lake at dawn")
    page.locator("#id_password2").fill("quiet lake at dawn")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    message = next(m for m in reversed(mail.outbox) if email in m.to)
    # The email links to the configured site address; this test's server is elsewhere.
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    page.goto(base + path)
    page.get_by_role("button", name="Confirm").click()


def test_newcomer_signs_up_and_onboards_in_a_browser(live_server, page: Page):
    sign_up(page, live_server.url, door="Find a peer", name="Robin", email="robin@example.org")

    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    page.get_by_label("Pronouns (optional)").fill("she/her")
    page.get_by_label("English").check()
    page.get_by_label("Spanish").check()
    page.get_by_label("Your time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    page.get_by_label("Reducing harm").check()
    page.get_by_label("SMART Recovery").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Step 3 of 5")).to_be_visible()
    page.get_by_label("Parenting").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Step 4 of 5")).to_be_visible()
    page.get_by_label("Saturday morning").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Step 5 of 5")).to_be_visible()
    page.get_by_label("How can a matched peer reach you?").fill("Text me")
    page.get_by_role("button", name="Finish").click()

    expect(page.get_by_text("Your profile is ready.")).to_be_visible()
    expect(page.get_by_role("heading", name="What's next")).to_be_visible()
    expect(page.get_by_text("988")).to_be_visible()
    member = Member.objects.get(user__email="robin@example.org")
    assert member.is_onboarded
    assert member.recovery_goal == "reducing_harm"
    assert member.availability == ["sat-morning"]


def test_field_errors_show_next_to_the_field_in_a_browser(live_server, page: Page):
    sign_up(
        page, live_server.url, door="Become a peer mentor", name="Casey", email="casey@example.org"
    )
    page.get_by_label("English").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Not using at all").check()
    page.get_by_role("button", name="Save and continue").click()

    error = page.locator(".field.has-error", has=page.get_by_label("When did your recovery start?"))
    expect(error).to_contain_text("This field is required.")
    assert Member.objects.get(user__email="casey@example.org").onboarding_step == 1


def test_a_newcomer_in_chicago_gets_their_phones_time_zone_without_scrolling_a_list(
    live_server, browser: Browser
):
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="America/Chicago"
    )
    page = phone.new_page()
    sign_up(page, live_server.url, door="Find a peer", name="Robin", email="robin@example.org")

    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    note = page.get_by_text("We set this to your phone's time zone: America/Chicago")
    expect(note).to_be_visible()
    expect(note).to_contain_text(re.compile(r"\d{1,2}:\d\d"))
    expect(page.get_by_label("Your time zone")).to_have_value("America/Chicago")
    page.get_by_label("English").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    assert Member.objects.get(user__email="robin@example.org").time_zone == "America/Chicago"
    phone.close()
