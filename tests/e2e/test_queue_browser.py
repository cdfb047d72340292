"""A coordinator opens what needs a person, sees a hold at the top and opens it by
giving a reason first; the page passes axe-core."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from safety.models import HelpRequest, HoldReason
from tests.e2e.accessibility import SERIOUS
from tests.e2e.people import give_reason, sign_in_with_code
from tests.factories import ActiveMatchFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_coordinator_opens_the_oldest_hold_from_the_queue(live_server, browser: Browser):
    secret = add_authenticator_app(
        with_verified_email(
            UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
        )
    )
    held = NewcomerFactory(display_name="Robin", held_for_review=True)
    hold = HelpRequest.objects.create(member=held, reason=HoldReason.HELP_NOW)
    HelpRequest.objects.filter(pk=hold.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    match = ActiveMatchFactory(newcomer=NewcomerFactory(display_name="Cy"))
    match.checkins.create(author=match.mentor, connected="yes", concern=True)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    queue = reverse("programme:queue")
    sign_in_with_code(
        page, live_server.url, "coordinator@example.org", current_code(secret), next_path=queue
    )

    expect(page.get_by_role("heading", name="Needs a person")).to_have_count(1)
    expect(page.get_by_role("link", name="Holds (1)")).to_be_visible()
    first_row = page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text("Robin")
    expect(first_row).to_contain_text("Asked for help now")
    # The queue's own content; the admin's frame around it (header, breadcrumbs)
    # is the same on every admin page and checked with them.
    found = Axe().run(page, context="#content").response["violations"]
    assert [violation["id"] for violation in found if violation["impact"] in SERIOUS] == []

    first_row.get_by_role("link", name="Open the hold").click()
    give_reason(page, "Safety concern or report")
    expect(page.get_by_text("Still held")).to_be_visible()
