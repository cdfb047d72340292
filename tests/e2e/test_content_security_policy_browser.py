"""Pages that the other journeys do not open, member pages and staff's admin,
load under the Content-Security-Policy without a single violation (the check
itself is the csp_violations fixture in conftest.py, on every browser test)."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from tests.e2e.people import give_reason, sign_in_by_session, sign_in_with_code
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def open_page(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response.ok, f"{url} answered {response.status}"
    page.wait_for_load_state("load")


def test_member_pages_run_their_scripts_under_the_policy(live_server, page: Page):
    match = ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name="Robin", time_zone="UTC"),
        mentor=MentorFactory(display_name="Casey"),
    )
    sign_in_by_session(page.context, live_server.url, match.newcomer.user)
    for url in [
        reverse("home"),
        reverse("home:me"),
        reverse("members:profile"),
        reverse("matching:status"),
        reverse("checkins:upcoming"),
        reverse("checkins:new", args=[match.pk]),
        reverse("account_email"),
        reverse("account_change_password"),
    ]:
        open_page(page, live_server.url + url)

    # The time-zone script runs on the profile page (it needs its nonce or 'self').
    open_page(page, live_server.url + reverse("members:profile_edit", args=["about"]))
    expect(page.locator("#id_time_zone_note")).to_contain_text("there)")

    sign_in_by_session(page.context, live_server.url, match.mentor.user)
    open_page(page, live_server.url + reverse("matching:inbox"))


def test_staff_admin_pages_run_their_scripts_under_the_policy(live_server, browser: Browser):
    match = ActiveMatchFactory()
    staff = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    secret = add_authenticator_app(with_verified_email(staff))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_with_code(page, live_server.url, staff.email, current_code(secret))

    for url in [
        reverse("admin:index"),
        reverse("admin:members_member_changelist"),
        reverse("admin:members_user_add"),
        reverse("admin:members_tag_changelist"),
        reverse("admin:matching_match_changelist"),
        reverse("admin:matching_match_queue"),
        reverse("admin:matching_match_reassign", args=[match.pk]),
        reverse("admin:matching_batchrun_run"),
        reverse("admin:matching_matchingsettings_changelist"),
        reverse("admin:checkins_attention"),
        reverse("admin:checkins_checkin_changelist"),
        reverse("admin:django_celery_beat_periodictask_add"),
    ]:
        open_page(page, live_server.url + url)

    # A member's record opens once staff say why; the match page and its check-ins too.
    open_page(page, live_server.url + reverse("admin:matching_match_change", args=[match.pk]))
    give_reason(page)
    expect(page.locator("#match_form")).to_be_visible()

    # The member form's scripted widgets: the searchable user picker and the
    # two-list language and tag pickers.
    open_page(
        page, live_server.url + reverse("admin:members_member_change", args=[match.newcomer.pk])
    )
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-search__field")).to_be_visible()
    page.keyboard.type("person")
    page.keyboard.press("Escape")
    expect(page.locator("#id_languages_from")).to_be_visible()
    page.locator("#id_languages_from option").first.dblclick()
    context.close()
