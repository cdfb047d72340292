"""People who sign in during browser tests."""

from allauth.account.models import EmailAddress
from playwright.sync_api import Page

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
