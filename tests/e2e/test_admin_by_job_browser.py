"""The admin pages laid out by job pass axe-core: the index (a superuser's and a
coordinator's), the members list and a newcomer's record, the pairing list and a pairing."""

import importlib

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from matching import services
from tests.e2e.accessibility import SERIOUS, serious_violations
from tests.e2e.people import give_reason, sign_in_with_code
from tests.factories import MentorFactory, NewcomerFactory, UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Two rules about what every admin page shares (the breadcrumb links, the two-list
# picker's tooltips) are the accessibility walk's, over every admin page; a record
# or confirmation page here is checked for everything else. Without preloading: axe reads a change
# form's imported stylesheets by adding inline <style> elements, which the
# Content-Security-Policy refuses (and reports) before the page itself does anything.
BUT_ADMIN_WIDE_OPTIONS = {
    "resultTypes": ["violations"],
    "preload": False,
    "rules": {"link-in-text-block": {"enabled": False}, "aria-prohibited-attr": {"enabled": False}},
}


def serious_violations_but_admin_wide(page) -> list[str]:
    results = Axe().run(page, options=BUT_ADMIN_WIDE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']})"
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]


def staff(email: str, *, superuser: bool = False, group: str | None = None) -> str:
    user = with_verified_email(UserFactory(email=email, is_staff=True, is_superuser=superuser))
    if group:
        roles = importlib.import_module("programme.migrations.0002_staff_groups")
        roles.create_staff_groups(apps, None)
        user.groups.add(Group.objects.get(name=group))
    return add_authenticator_app(user)


def test_the_index_lists_and_records_staff_use_pass_axe(live_server, browser: Browser):
    newcomer = NewcomerFactory(display_name="Robin")
    mentors = [MentorFactory(display_name=name) for name in ("Kai", "Noor")]
    match = services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk for mentor in mentors], user=newcomer.user
    )
    secret = staff("admin@example.org", superuser=True)
    page = browser.new_context(**DESKTOP).new_page()
    base = live_server.url

    sign_in_with_code(page, base, "admin@example.org", current_code(secret))
    expect(page.get_by_role("table", name="Programme")).to_be_visible()
    assert serious_violations(page) == [], page.url
    for path in ["/admin/members/member/", "/admin/matching/match/"]:
        page.goto(base + path)
        assert serious_violations(page) == [], page.url

    page.goto(base + "/admin/members/member/")
    page.locator(f"input[name=_selected_action][value='{newcomer.pk}']").check()
    page.get_by_label("Action:").select_option("delete_accounts")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("button", name="Yes, delete 1 account(s)")).to_be_visible()
    assert serious_violations_but_admin_wide(page) == [], page.url

    page.goto(base + f"/admin/members/member/{newcomer.pk}/change/")
    give_reason(page)
    expect(page.get_by_role("heading", name="Recovery")).to_be_visible()
    assert serious_violations_but_admin_wide(page) == [], page.url

    page.goto(base + f"/admin/matching/match/{match.pk}/change/")
    give_reason(page)
    expect(page.get_by_role("link", name="Noor")).to_be_visible()
    assert serious_violations_but_admin_wide(page) == [], page.url


def test_a_coordinators_index_passes_axe(live_server, browser: Browser):
    secret = staff("coordinator@example.org", group="Coordinator")
    page = browser.new_context(**DESKTOP).new_page()

    sign_in_with_code(page, live_server.url, "coordinator@example.org", current_code(secret))

    expect(page.get_by_role("link", name="Needs a person")).to_be_visible()
    expect(page.get_by_role("link", name="Periodic tasks")).to_have_count(0)
    assert serious_violations(page) == [], page.url
