"""A member makes a personal API token on their profile, uses it, and revokes it."""

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tests.e2e.people import sign_in, verified
from tests.factories import NewcomerFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_member_creates_a_token_uses_it_and_revokes_it(live_server, page: Page):
    verified(NewcomerFactory(user__email="robin@example.org", display_name="Robin"))
    sign_in(page, live_server.url, "robin@example.org")
    page.goto(live_server.url + "/profile/")
    expect(page.get_by_role("heading", name="Apps and tokens")).to_be_visible()
    page.get_by_role("link", name="Manage").click()

    page.get_by_label("What is it for?").fill("my phone")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    secret = page.locator(".token-secret").inner_text().strip()
    assert re.fullmatch(r"plp_[0-9a-f]{8}_\S+", secret)

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").json()["display_name"] == "Robin"

    page.goto(live_server.url + "/profile/tokens/")
    expect(page.get_by_text(secret)).to_have_count(0)
    page.get_by_role("button", name="Revoke “my phone”").click()
    expect(page.get_by_text("“my phone” is revoked")).to_be_visible()
    assert api.get("/api/v1/me/").status_code == 401
