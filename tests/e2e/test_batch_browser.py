"""A coordinator runs batch matching in a real browser: the run works in a task while
its page shows progress, then they review it, read who will be emailed, and send.
Every page passes axe-core."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Browser, expect

from matching.models import BatchRun, BatchRunState, Match, MatchOrigin
from tests.e2e.accessibility import serious_violations
from tests.e2e.people import sign_in_with_code
from tests.factories import MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_coordinator_runs_reviews_confirms_and_applies_a_matching_run(
    live_server, browser: Browser
):
    MentorFactory(display_name="Kai")
    NewcomerFactory(display_name="Robin")
    staff = UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    secret = add_authenticator_app(with_verified_email(staff))
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with_code(page, live_server.url, staff.email, current_code(secret))

    # A run still working: the page says how far along it is.
    working = BatchRun.objects.create(
        state=BatchRunState.RUNNING, stage="Scoring 1 newcomers against 1 mentors", percent_done=25
    )
    page.goto(live_server.url + reverse("admin:matching_batchrun_preview", args=[working.pk]))
    expect(
        page.get_by_text("Working… (Scoring 1 newcomers against 1 mentors, 25%)")
    ).to_be_visible()
    assert serious_violations(page) == []
    # The task moves on: the line follows it in place, and the page opens the result.
    BatchRun.objects.filter(pk=working.pk).update(stage="Writing the run", percent_done=90)
    expect(page.get_by_text("Working… (Writing the run, 90%)")).to_be_visible(timeout=10_000)
    BatchRun.objects.filter(pk=working.pk).update(state=BatchRunState.DONE, percent_done=100)
    expect(page.get_by_text("Nobody has been contacted yet.")).to_be_visible(timeout=10_000)
    failed = BatchRun.objects.create(state=BatchRunState.FAILED, error="Matching stopped.")
    page.goto(live_server.url + reverse("admin:matching_batchrun_preview", args=[failed.pk]))
    expect(page.get_by_role("button", name="Run matching again")).to_be_visible()
    assert serious_violations(page) == []
    BatchRun.objects.all().delete()

    page.goto(live_server.url + reverse("admin:matching_batchrun_run"))
    page.get_by_role("button", name="Run matching preview").click()
    # Tests run tasks at once, so the run is ready by the time the page opens.
    expect(page.get_by_role("link", name="Apply these proposals…")).to_be_visible()
    expect(page.get_by_role("cell", name="Robin")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("link", name="Apply these proposals…").click()
    expect(
        page.get_by_text("This will make 1 proposal: it will ask 1 mentor and tell 1 newcomer")
    ).to_be_visible()
    assert serious_violations(page) == []
    assert not Match.objects.exists()

    page.get_by_role("button", name="Yes, send 1 proposal").click()
    expect(page.get_by_text("Created 1 proposal(s); skipped 0.")).to_be_visible()
    assert serious_violations(page) == []
    assert Match.objects.get().origin == MatchOrigin.BATCH
    assert len(mail.outbox) == 2
