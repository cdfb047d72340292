"""People who sign in during browser tests."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

PASSWORD = "correct horse battery"  # what tests.factories gives every user


def verified(member):
    """Mark the member's email address verified, as after following the sign-up link."""
    EmailAddress.objects.create(
        user=member.user, email=member.user.email, verified=True, primary=True
    )
    return member


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def sign_in_by_session(context: BrowserContext, base: str, user) -> None:
    """Sign a user in by giving the browser a session cookie, skipping the login form."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


def sign_in_with_code(page: Page, base: str, email: str, code: str, next_path: str = "/admin/"):
    """Open a staff page signed out: sign in, then enter the authenticator app's code."""
    page.goto(base + next_path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Sign In").click()


def give_reason(page: Page, reason: str = "Reviewing a match") -> None:
    """Answer the admin's "Why are you opening this record?" before a member's record opens."""
    expect(page.get_by_role("heading", name="Why are you opening this record?")).to_be_visible()
    page.get_by_label(reason).check()
    page.get_by_role("button", name="Open the record").click()
