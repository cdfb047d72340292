"""Deleting an account in a real browser, on a phone-sized screen."""

import pytest
from playwright.sync_api import Browser, Page, expect

from matching.models import MatchState
from members.models import Member
from tests.e2e.people import PASSWORD, sign_in, verified
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_newcomer_deletes_their_account_and_the_mentor_sees_only_that_the_match_ended(
    live_server, page: Page, browser: Browser
):
    newcomer = verified(NewcomerFactory(user__email="robin@example.org", display_name="Robin"))
    mentor = verified(MentorFactory(user__email="casey@example.org", display_name="Casey"))
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)

    sign_in(page, live_server.url, "robin@example.org")
    page.goto(live_server.url + "/profile/")
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    page.get_by_role("link", name="Delete my account").click()

    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    expect(page.get_by_text("told only that the match ended")).to_be_visible()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password")).to_be_visible()
    assert Member.objects.get(pk=newcomer.pk).deleted_at is None

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()

    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    expect(page.get_by_text("988").first).to_be_visible()
    match.refresh_from_db()
    assert match.state == MatchState.ENDED

    page.goto(live_server.url + "/profile/")
    expect(page.get_by_label("Email")).to_be_visible()  # signed out: the sign-in form
    sign_in(page, live_server.url, "robin@example.org")
    expect(page.get_by_role("heading", name="Hi, Robin")).to_have_count(0)
    expect(page.get_by_label("Password")).to_be_visible()

    mentor_context = browser.new_context(viewport={"width": 390, "height": 844})
    mentor_page = mentor_context.new_page()
    sign_in(mentor_page, live_server.url, "casey@example.org")
    mentor_page.goto(live_server.url + "/inbox/")
    expect(mentor_page.get_by_role("heading", name="Recently ended")).to_be_visible()
    expect(mentor_page.get_by_text("A peer: this match ended")).to_be_visible()
    expect(mentor_page.get_by_text("None yet.")).to_be_visible()
    expect(mentor_page.get_by_text("Robin")).to_have_count(0)
    expect(mentor_page.get_by_text("Deleted member")).to_have_count(0)
    mentor_context.close()
