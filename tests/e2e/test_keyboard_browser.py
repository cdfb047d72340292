"""Everything the journeys ask of a person works by keyboard alone, with focus in sight.

A newcomer signs up, onboards, asks a peer, checks in, writes a message and asks for
help now; a mentor signs in and accepts; a coordinator signs in with their code and
opens the programme dashboard. Nobody clicks: they press Tab, Space, Enter and the
arrow keys, and after every Tab the focused element shows a ring at 3:1 or more.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, expect

from checkins.models import CheckIn
from matching.models import Match, MatchState
from members.models import Member
from messaging.models import Message
from safety.models import HelpRequest
from tests.e2e.keyboard import Keyboard
from tests.e2e.people import PASSWORD, verified
from tests.factories import MentorFactory, UserFactory, tag
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

PHONE = {"viewport": {"width": 390, "height": 844}}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SUBMIT = "main form button[type=submit]"
FOCUSABLE_COUNT = """[...document.querySelectorAll(
  "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"
)].filter((element) => element.tabIndex >= 0 && element.checkVisibility()
  && !element.disabled).length"""
FOCUSABLE_REACHED = FOCUSABLE_COUNT.replace(
    "!element.disabled", "!element.disabled && element.dataset.keyboardReached"
)


def save_and_continue(keys: Keyboard) -> None:
    keys.activate(keys.page.locator(SUBMIT).last)


def sign_up_by_keyboard(keys: Keyboard, base: str) -> None:
    page = keys.page
    page.goto(base + "/")
    # The skip link comes first and takes focus past the header into the page.
    keys.tab()
    expect(page.locator(".skip-link")).to_be_focused()
    keys.press("Enter")
    keys.tab()
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

    keys.activate(page.get_by_role("link", name=re.compile("Find a peer")))
    keys.fill(page.locator("#id_display_name"), "Alex")
    keys.fill(page.locator("#id_birth_year"), "1994")
    keys.tick(page.locator("#id_is_adult"))
    keys.fill(page.locator("#id_email"), "alex@example.org")
    keys.fill(page.locator("#id_password1"), "quiet lake at dawn")
    keys.fill(page.locator("#id_password2"), "quiet lake at dawn")
    keys.activate(page.locator(SUBMIT))
    expect(page).to_have_url(re.compile("/accounts/confirm-email/$"))

    message = next(m for m in reversed(mail.outbox) if "alex@example.org" in m.to)
    # Emails link to the configured site address; this test's server has its own.
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    page.goto(base + path)
    keys.activate(page.locator(SUBMIT))


def onboard_by_keyboard(keys: Keyboard) -> None:
    page = keys.page
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    keys.tick(page.get_by_label("English"))
    save_and_continue(keys)
    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    keys.choose(page.get_by_label("Reducing harm"))
    keys.tick(page.get_by_label("SMART Recovery"))
    save_and_continue(keys)
    for number in (3, 4):
        expect(page.get_by_text(f"Step {number} of 5")).to_be_visible()
        save_and_continue(keys)
    expect(page.get_by_text("Step 5 of 5")).to_be_visible()
    keys.tick(page.get_by_label("Your display name"))
    save_and_continue(keys)


def sign_in_by_keyboard(keys: Keyboard, base: str, email: str, path: str = "/accounts/login/"):
    page = keys.page
    page.goto(base + path)
    keys.fill(page.locator("#id_login"), email)
    keys.fill(page.locator("#id_password"), PASSWORD)
    with page.expect_navigation():
        keys.activate(page.locator(SUBMIT))


def test_a_newcomer_and_a_mentor_do_everything_by_keyboard(live_server, browser: Browser):
    base = live_server.url
    jordan = verified(
        MentorFactory(
            user__email="jordan@example.org", display_name="Jordan", tags=[tag("pathway-smart")]
        )
    )
    page = browser.new_context(**PHONE).new_page()
    keys = Keyboard(page)

    sign_up_by_keyboard(keys, base)
    onboard_by_keyboard(keys)
    expect(page).not_to_have_url(re.compile("/welcome/"))
    assert Member.objects.get(display_name="Alex").is_onboarded

    # A request: Alex asks Jordan.
    page.goto(base + "/peers/")
    keys.activate(page.get_by_role("button", name=re.compile("Ask Jordan")))
    expect(page).to_have_url(re.compile("/my-match/"))
    match = Match.objects.get(newcomer__display_name="Alex", mentor=jordan)

    # Jordan signs in and accepts.
    mentor_page = browser.new_context(**PHONE).new_page()
    mentor_keys = Keyboard(mentor_page)
    sign_in_by_keyboard(mentor_keys, base, "jordan@example.org")
    mentor_page.goto(base + "/inbox/")
    mentor_keys.activate(mentor_page.get_by_role("button", name="Accept"))
    expect(mentor_page.get_by_role("button", name="Accept")).to_have_count(0)
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE

    # Alex checks in.
    page.goto(base + f"/check-ins/match/{match.pk}/")
    keys.choose(page.get_by_label("Yes, we connected"))
    keys.activate(page.get_by_role("button", name="Send check-in"))
    expect(page).not_to_have_url(re.compile(f"/check-ins/match/{match.pk}/$"))
    assert CheckIn.objects.filter(match=match, author__display_name="Alex").count() == 1

    # Alex writes to Jordan.
    page.goto(base + f"/messages/{match.pk}/")
    keys.fill(page.locator("#message-form textarea"), "Hi Jordan, evenings suit me.")
    keys.activate(page.locator("#message-form button[type=submit]"))
    expect(page.get_by_text("Hi Jordan, evenings suit me.")).to_be_visible()
    assert Message.objects.filter(text="Hi Jordan, evenings suit me.").count() == 1

    # Alex asks for help now, from the link in the header.
    keys.activate(page.locator("header").get_by_role("link", name="I need help now"))
    expect(page.get_by_role("heading", name="Tell our staff")).to_be_visible()
    keys.choose(page.get_by_role("group", name="May our staff contact you?").get_by_label("Yes"))
    keys.fill(page.get_by_label("How should we contact you?"), "Text me after six")
    keys.activate(page.get_by_role("button", name="Tell our staff"))
    expect(page.get_by_role("heading", name="Sent: our staff were told")).to_be_visible()
    assert HelpRequest.objects.get(member__display_name="Alex").may_contact is True
    assert keys.stops > 40 and mentor_keys.stops > 5


def test_a_coordinator_signs_in_and_opens_the_dashboard_by_keyboard(live_server, browser: Browser):
    staff = with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )
    secret = add_authenticator_app(staff)
    page = browser.new_context(**DESKTOP).new_page()
    keys = Keyboard(page)

    sign_in_by_keyboard(keys, live_server.url, staff.email, path="/admin/")
    keys.fill(page.locator("input[name=code]"), current_code(secret))
    keys.activate(page.locator(SUBMIT).first)
    expect(page.get_by_text("Programme administration")).to_be_visible()

    # The admin index links the dashboard first.
    keys.activate(page.get_by_role("link", name="Programme dashboard").first)
    expect(page).to_have_url(re.compile("/admin/dashboard/$"))

    # Every control on the dashboard is reachable by Tab, each with its ring in sight.
    # A date field takes several Tabs (day, month, year), so Tab on until every control
    # has had the focus once.
    stops = page.evaluate(FOCUSABLE_COUNT)
    for _ in range(stops * 2):
        keys.tab()
        page.evaluate("document.activeElement.dataset.keyboardReached = 'yes'")
        if page.evaluate(FOCUSABLE_REACHED) == stops:
            break
    assert page.evaluate(FOCUSABLE_REACHED) == stops
