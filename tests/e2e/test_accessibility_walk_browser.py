"""Every page of the journeys passes axe-core, on a phone and on a desktop.

A newcomer signs up, onboards, asks a peer and then uses every page a matched
newcomer has; a mentor answers a request and uses theirs; a coordinator works
through the admin pages staff use. Each page is checked as it is reached, at
phone size and then at desktop size (the window resized, as when a tablet
turns), and the test fails listing every page, size and rule with a serious or
critical violation. One walk checks both sizes: walking twice would do all the
signing up and onboarding twice for the same pages.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from checkins.services import checkin_record
from matching.models import Match, MatchState
from matching.services import match_request
from messaging.services import send_message
from recovery.models import RecoveryCheck
from safety.services import help_request_create, report_create
from steps.services import step_create
from tests.e2e.accessibility import serious_violations
from tests.e2e.people import PASSWORD, give_reason, sign_in, verified
from tests.e2e.test_onboarding_browser import sign_up
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory, tag
from tests.recovery.conftest import ensure_starter
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

SIZES = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}


class Walk:
    """Check each page as it is reached; remember every serious violation."""

    def __init__(self, page: Page, base: str):
        self.page = page
        self.base = base
        self.pages_checked: list[str] = []
        self.failures: list[str] = []

    def visit(self, path: str, name: str) -> None:
        self.page.goto(self.base + path)
        self.check(name)

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        assert self.page.url.startswith(self.base), f"{name} left the site: {self.page.url}"
        self.pages_checked.append(name)
        path = self.page.url.removeprefix(self.base)
        for size, viewport in SIZES.items():
            self.page.set_viewport_size(viewport)
            for violation in serious_violations(self.page):
                self.failures.append(f"{name} ({path}, {size}): {violation}")
        # The walk goes on at phone size, as most members use PeerLink.
        self.page.set_viewport_size(SIZES["phone"])

    def assert_clean(self) -> None:
        assert not self.failures, "axe-core found serious or critical violations:\n" + "\n".join(
            self.failures
        )


def a_matched_newcomer():
    """Robin, matched with Casey for a week: messages, a check-in, steps, a recovery check."""
    ensure_starter()
    robin = verified(
        NewcomerFactory(
            user__email="robin@example.org", display_name="Robin", tags=[tag("pathway-smart")]
        )
    )
    casey = verified(
        MentorFactory(
            user__email="casey@example.org", display_name="Casey", tags=[tag("pathway-smart")]
        )
    )
    match = ActiveMatchFactory(newcomer=robin, mentor=casey)
    send_message(member=robin, match_id=match.pk, text="Hi Casey, evenings suit me best.")
    send_message(member=casey, match_id=match.pk, text="Hi Robin! Tuesday at 7 works for me.")
    step = step_create(member=robin, text="Call Casey before a hard evening", shared=True)
    step_create(member=robin, text="Walk after dinner")
    checkin_record(
        match_id=match.pk,
        author=robin,
        connected="yes",
        rating=4,
        note="A good first call.",
        step_answers={step.pk: "went_well"},
    )
    return robin, casey, match


def take_recovery_check(page: Page) -> None:
    for group in page.get_by_role("group").all():
        if group.locator("input[type=radio]").count():
            group.locator("input[type=radio]").nth(3).check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_role("heading", name="Your recovery over time")).to_be_visible()


def test_every_page_a_newcomer_meets_passes_axe(live_server, browser: Browser):
    robin, casey, match = a_matched_newcomer()
    MentorFactory(display_name="Jordan", tags=[tag("pathway-12")])
    page = browser.new_context(viewport=SIZES["phone"]).new_page()
    walk = Walk(page, live_server.url)

    # Signed out.
    walk.visit("/", "welcome")
    walk.visit("/accounts/login/", "sign-in")
    walk.visit("/accounts/signup/?role=newcomer", "sign-up")
    walk.visit("/accounts/password/reset/", "password reset")
    walk.visit("/help-now/", "help now, signed out")
    walk.visit("/resources/", "resources, signed out")

    # A new newcomer signs up and onboards: every step.
    sign_up(page, live_server.url, door="Find a peer", name="Alex", email="alex@example.org")
    for number in range(1, 6):
        expect(page.get_by_text(f"Step {number} of 5")).to_be_visible()
        walk.check(f"onboarding step {number}")
        if number == 1:
            page.get_by_label("English").check()
        if number == 2:
            page.get_by_label("Reducing harm").check()
            page.get_by_label("12-step").check()
        if number == 5:
            page.get_by_label("Your display name").check()
            page.get_by_role("button", name="Finish").click()
        else:
            page.get_by_role("button", name="Save and continue").click()
    walk.check("after onboarding")
    walk.visit("/me/", "home, before a match")
    walk.visit("/peers/", "suggestions")
    page.get_by_role("button", name="Ask Jordan").click()
    walk.check("after asking")
    walk.visit("/my-match/", "request status")
    page.goto(live_server.url + "/accounts/logout/")
    walk.check("sign out")
    page.locator("main form button[type=submit]").click()

    # A matched newcomer signs in and uses every page they have.
    sign_in(page, live_server.url, "robin@example.org")
    walk.check("home, matched")
    walk.visit("/my-match/", "my match")
    walk.visit(f"/messages/{match.pk}/", "conversation")
    walk.visit("/check-ins/", "check-ins")
    walk.visit(f"/check-ins/match/{match.pk}/", "a check-in")
    walk.visit("/me/steps/", "my steps")
    walk.visit("/me/recovery-check/", "recovery check")
    take_recovery_check(page)
    walk.check("recovery trend")
    walk.visit("/help-now/", "help now")
    walk.visit("/resources/", "resources")
    walk.visit("/profile/", "profile and my data")
    walk.visit("/profile/about/", "profile: about")
    walk.visit("/profile/tokens/", "tokens")
    walk.visit("/profile/disclosures/", "accounting of disclosures")
    walk.visit(f"/peers/{casey.pk}/report/", "report a concern")
    walk.visit(f"/peers/{casey.pk}/block/", "block")
    walk.visit("/profile/delete/", "delete account")
    walk.visit("/accounts/password/change/", "change password")
    assert RecoveryCheck.objects.filter(member=robin).count() == 1
    walk.assert_clean()


def test_every_page_a_mentor_meets_passes_axe(live_server, browser: Browser):
    robin, casey, match = a_matched_newcomer()
    sam = NewcomerFactory(display_name="Sam", tags=[tag("pathway-smart")])
    request = match_request(
        newcomer=sam, mentor_ids=[casey.pk], user=sam.user, note="You sound like you get it."
    )
    page = browser.new_context(viewport=SIZES["phone"]).new_page()
    walk = Walk(page, live_server.url)

    sign_in(page, live_server.url, "casey@example.org")
    walk.check("mentor home")
    walk.visit("/inbox/", "inbox with a request")
    page.locator("form[action$='/accept/'] button").first.click()
    walk.check("after accepting")
    assert Match.objects.get(pk=request.pk).state == MatchState.ACTIVE
    walk.visit(f"/messages/{match.pk}/", "conversation")
    walk.visit(f"/messages/{request.pk}/", "a new conversation")
    walk.visit("/check-ins/", "check-ins")
    walk.visit(f"/check-ins/match/{match.pk}/", "a check-in")
    walk.visit("/profile/", "profile")
    walk.visit("/profile/tokens/", "tokens")
    walk.visit("/help-now/", "help now")
    walk.visit(f"/peers/{robin.pk}/report/", "report a concern")
    walk.assert_clean()


def open_record(walk: Walk, path: str, name: str) -> None:
    """Open a member's record in the admin: the reason step first, if it asks."""
    walk.visit(path, f"{name}, or its reason step")
    reason_step = walk.page.get_by_role("heading", name="Why are you opening this record?")
    if reason_step.count():
        give_reason(walk.page)
        walk.check(name)


def a_programme_needing_staff():
    """Staff find a hold, an open report, a check-in with a concern and people waiting."""
    robin, casey, match = a_matched_newcomer()
    help_request_create(member=robin, may_contact=True, how_to_contact="Text me after six")
    report = report_create(reporter=robin, reported=casey, text="Keeps messaging me at night")
    concern = checkin_record(
        match_id=match.pk, author=casey, connected="tried", concern=True, note="No answer"
    )
    for name in ("Sam", "Ari", "Lee"):
        NewcomerFactory(display_name=name, tags=[tag("pathway-smart")])
    MentorFactory(display_name="Jordan", tags=[tag("pathway-smart")])
    MentorFactory(display_name="Pat", vetting_status="pending", onboarded_at=timezone.now())
    staff = with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )
    return robin, match, report, concern, add_authenticator_app(staff)


def test_every_admin_page_staff_use_passes_axe(live_server, browser: Browser):
    robin, match, report, concern, secret = a_programme_needing_staff()
    help_request = robin.help_requests.get()
    page = browser.new_context(viewport=SIZES["phone"]).new_page()
    walk = Walk(page, live_server.url)

    walk.visit("/admin/", "staff sign-in")
    page.get_by_label("Email").fill("coordinator@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("input[name=code]")).to_be_visible()
    walk.check("staff second factor")
    page.locator("input[name=code]").fill(current_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_text("Programme administration")).to_be_visible()
    walk.check("admin index")
    walk.visit("/admin/dashboard/", "programme dashboard")
    walk.visit("/admin/needs-attention/", "needs a person")
    walk.visit("/admin/members/member/", "members")
    walk.visit(f"/admin/members/member/{robin.pk}/change/", "a member's reason step")
    give_reason(page)
    walk.check("a member's record")
    walk.visit("/admin/matching/match/", "pairings")
    open_record(walk, f"/admin/matching/match/{match.pk}/change/", "a pairing")
    walk.visit("/admin/matching/match/queue/", "unmatched newcomers")
    walk.visit("/admin/matching/batchrun/run/", "run matching")
    page.get_by_role("button", name=re.compile("matching", re.IGNORECASE)).first.click()
    walk.check("matching preview")
    walk.visit("/admin/matching/batchrun/", "matching runs")
    walk.visit("/admin/matching/report/", "reports")
    open_record(walk, f"/admin/matching/report/{report.pk}/change/", "a report")
    walk.visit("/admin/safety/helprequest/", "holds")
    open_record(walk, f"/admin/safety/helprequest/{help_request.pk}/change/", "a hold")
    page.get_by_role("link", name="Clear hold").click()
    walk.check("clearing a hold")
    page.get_by_label("What was done").fill("Texted at 18:10; safe with family.")
    page.get_by_role("button", name="Yes, clear the hold").click()
    expect(page.locator(".messagelist li")).to_have_count(1)
    walk.check("a hold, cleared")
    walk.visit("/admin/checkins/checkin/", "check-ins")
    open_record(walk, f"/admin/checkins/checkin/{concern.pk}/change/", "a check-in")
    walk.visit("/admin/checkins/checkin/needs-attention/", "check-ins needing attention")
    walk.visit("/admin/audit/staffread/", "staff reads")
    walk.visit("/admin/audit/disclosure/", "disclosures")
    walk.visit("/admin/matching/block/", "blocks")
    walk.visit("/admin/matching/matchingsettings/", "matching settings")
    walk.visit("/admin/safety/resourcespage/", "resources page")
    walk.visit("/admin/recovery/instrument/", "recovery instruments")
    walk.assert_clean()
