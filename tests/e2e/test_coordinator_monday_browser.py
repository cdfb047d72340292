"""A coordinator's Monday morning, in a real browser, in the Coordinator role (not a
superuser): from the admin index they see who waits, clear a hold, answer a report and
download the funder CSV, and every read is in the audit."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from audit.models import ReportKind, ReportRead, StaffRead
from matching.models import ReportStatus
from safety.services import help_request_create, report_create
from tests.e2e.people import give_reason, sign_in_with_code
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.second_factor import current_code
from tests.staff_roles import COORDINATOR, staff_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def test_a_coordinator_works_through_monday_from_the_admin_index(live_server, browser: Browser):
    coordinator = staff_in(COORDINATOR, email="coordinator@example.org")
    match = ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name="Robin"), mentor=MentorFactory(display_name="Casey")
    )
    robin, casey = match.newcomer, match.mentor
    help_request_create(member=robin, may_contact=True, how_to_contact="Text me after six")
    report = report_create(reporter=casey, reported=robin, text="Missed three calls")
    for name in ("Sam", "Ari"):
        NewcomerFactory(display_name=name)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with_code(
        page, live_server.url, coordinator.email, current_code(coordinator.totp_secret)
    )

    # Who waits: one click from the index.
    page.get_by_role("link", name="Needs a person").first.click()
    expect(page.get_by_text("2 newcomers are waiting for a peer")).to_be_visible()

    # Clear the hold: open it from the queue, say why, clear it with a note.
    page.get_by_role("link", name="Open the hold").click()
    give_reason(page, "Safety concern or report")
    page.get_by_role("link", name="Clear hold").click()
    page.get_by_label("What was done").fill("Texted at 18:10; safe with family.")
    page.get_by_role("button", name="Yes, clear the hold").click()
    expect(page.locator(".messagelist li")).to_have_count(1)

    # Answer the report: back to the queue, open it, close it with a note.
    page.goto(live_server.url + "/admin/needs-attention/")
    page.get_by_role("link", name="Open the report").click()
    give_reason(page, "Safety concern or report")
    page.get_by_role("link", name="Close without action").click()
    page.get_by_label("Note").fill("Spoke to both; a phone mix-up.")
    page.get_by_role("button", name="Yes: Close without action").click()
    report.refresh_from_db()
    assert report.status != ReportStatus.OPEN

    # The funder CSV, from the dashboard the index links first.
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="Programme dashboard").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Pairings CSV (one row per match)").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2, "a header and the one match"
    assert not any(name in "\n".join(rows) for name in ("Robin", "Casey", "Missed"))

    robin.refresh_from_db()
    assert not robin.held_for_review
    reads = StaffRead.objects.filter(staff_user_id=coordinator.pk)
    assert {robin.pk, casey.pk} <= set(reads.values_list("member_id", flat=True))
    kinds = ReportRead.objects.filter(staff_user_id=coordinator.pk).values_list("kind", flat=True)
    assert sorted(kinds) == [ReportKind.DASHBOARD, ReportKind.PAIRINGS_CSV]
