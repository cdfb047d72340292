"""Staff reach the admin in a real browser only with their authenticator app's code."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.people import PASSWORD
from tests.factories import UserFactory
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def coordinator():
    return with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )


def test_staff_sign_in_with_their_app_code_and_reach_the_admin(live_server, browser: Browser):
    secret = add_authenticator_app(coordinator())
    page = browser.new_context(**DESKTOP).new_page()

    page.goto(live_server.url + "/admin/")
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    page.get_by_label("Email").fill("coordinator@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # The password alone does not open the admin.
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    meanwhile = page.request.get(live_server.url + "/admin/")
    assert "Programme administration" not in meanwhile.text()

    page.locator("input[name=code]").fill(current_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Programme administration")).to_be_visible()


def test_staff_without_an_app_set_it_up_from_the_qr_code_first(live_server, page: Page):
    coordinator()

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("coordinator@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Setting up a second factor asks for the password again.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    code = current_code(secret)
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()

    page.get_by_role("link", name="Staff").click()
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Programme administration")).to_be_visible()
