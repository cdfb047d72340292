"""Two people on phone-sized screens talk through PeerLink: no reload needed; the mentor
reports a message and staff read it, and only it and the ten before, after saying why."""

import pytest
from playwright.sync_api import Browser, expect

from matching.models import Report
from messaging.services import conversation_start
from tests.e2e.people import give_reason, sign_in_by_session, sign_in_with_code
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]
PHONE = {"viewport": {"width": 390, "height": 844}}


def test_a_newcomer_and_a_mentor_exchange_messages_that_appear_without_a_reload(
    live_server, browser: Browser, mailoutbox
):
    newcomer = NewcomerFactory(display_name="Robin", share_display_name=True)
    mentor = MentorFactory(display_name="Casey", share_display_name=True)
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    conversation_start(match=match)
    staff = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    secret = add_authenticator_app(with_verified_email(staff))
    url = f"{live_server.url}/messages/{match.pk}/"

    pages = {}
    for name, member in (("newcomer", newcomer), ("mentor", mentor)):
        context = browser.new_context(**PHONE)
        sign_in_by_session(context, live_server.url, member.user)
        pages[name] = context.new_page()
        pages[name].goto(url)
    newcomer_page, mentor_page = pages["newcomer"], pages["mentor"]

    expect(newcomer_page.get_by_role("heading", name="Messages with Casey")).to_be_visible()
    # First steps: tapping one puts it in the box.
    newcomer_page.get_by_role("button", name="What helped you in your first weeks?").click()
    expect(newcomer_page.get_by_label("Your message")).to_have_value(
        "What helped you in your first weeks?"
    )
    newcomer_page.get_by_label("Your message").fill("Hi Casey <b>not bold</b> https://example.org")
    newcomer_page.get_by_role("button", name="Send").click()
    expect(newcomer_page.get_by_text("Hi Casey <b>not bold</b>")).to_be_visible()
    expect(newcomer_page.get_by_label("Your message")).to_have_value("")

    # The mentor's open page shows it within 5 seconds, without a reload.
    expect(mentor_page.get_by_text("Hi Casey <b>not bold</b>")).to_be_visible(timeout=5000)
    link = mentor_page.get_by_role("link", name="https://example.org")
    expect(link).to_have_attribute("rel", "nofollow noopener")

    mentor_page.get_by_label("Your message").fill("Welcome, Robin!")
    mentor_page.get_by_role("button", name="Send").click()
    expect(newcomer_page.get_by_text("Welcome, Robin!")).to_be_visible(timeout=5000)
    expect(newcomer_page.get_by_role("link", name="Report")).to_have_count(1)

    # A crisis phrase is sent, and its sender sees the crisis resources at once.
    newcomer_page.get_by_label("Your message").fill("Some nights I want to die")
    newcomer_page.get_by_role("button", name="Send").click()
    expect(
        newcomer_page.get_by_role("heading", name="You don't have to face this alone")
    ).to_be_visible()
    expect(newcomer_page.get_by_role("link", name="I need help now").last).to_be_visible()
    expect(mentor_page.get_by_text("Some nights I want to die")).to_be_visible(timeout=5000)

    # The mentor reports the newcomer's first message; staff see it with the report.
    mentor_page.get_by_role("link", name="Report").first.click()
    expect(mentor_page.get_by_text("Hi Casey <b>not bold</b>")).to_be_visible()
    mentor_page.get_by_role("button", name="Report to staff").click()
    expect(mentor_page.get_by_text("Our staff will look at this message soon.")).to_be_visible()
    expect(mentor_page.get_by_role("heading", name="Messages with Robin")).to_be_visible()
    report = Report.objects.get()
    assert report.reporter == mentor and report.message.text.startswith("Hi Casey")

    staff_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with_code(
        staff_page,
        live_server.url,
        "coordinator@example.org",
        current_code(secret),
        next_path=f"/admin/matching/report/{report.pk}/change/",
    )
    expect(staff_page.get_by_text("Hi Casey <b>not bold</b>")).to_have_count(0)
    give_reason(staff_page, "Safety concern or report")
    expect(staff_page.get_by_text("Hi Casey <b>not bold</b>").first).to_be_visible()
    # Messages after the reported one stay private.
    expect(staff_page.get_by_text("Welcome, Robin!")).to_have_count(0)
    alert = next(m for m in mailoutbox if m.to == ["coordinator@example.org"])
    assert "Hi Casey" not in alert.body and "Robin" not in alert.body

    for page in (newcomer_page, mentor_page, staff_page):
        page.context.close()
