"""'I need help now' end to end on a phone: resources at once, staff told, and staff
clear the hold from the alert in three clicks after signing in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from tests.e2e.people import sign_in, sign_in_with_code, verified
from tests.factories import MentorFactory, NewcomerFactory, UserFactory, tag
from tests.second_factor import add_authenticator_app, current_code, with_verified_email

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

CALM = "Our staff will be in touch. You can still reach the crisis lines any time."


def test_newcomer_asks_for_help_staff_clear_the_hold_and_suggestions_return(
    live_server, page: Page, browser: Browser
):
    verified(
        NewcomerFactory(
            user__email="robin@example.org", display_name="Robin", tags=[tag("pathway-smart")]
        )
    )
    verified(
        MentorFactory(
            user__email="casey@example.org", display_name="Casey", tags=[tag("pathway-smart")]
        )
    )
    staff = with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )
    secret = add_authenticator_app(staff)

    sign_in(page, live_server.url, "robin@example.org")
    expect(page.get_by_role("heading", name="What's next")).to_be_visible()
    page.get_by_role("link", name="I need help now").click()

    # The crisis lines come first, each a tap-to-call link; "Tell our staff" follows at once.
    first_line = page.locator(".help-now-call").first
    expect(first_line).to_be_in_viewport()
    expect(first_line).to_have_attribute("href", "tel:988")
    last_line = page.locator(".help-now-call").last.bounding_box()
    second_step = page.get_by_role("heading", name="Tell our staff").bounding_box()
    assert second_step["y"] - (last_line["y"] + last_line["height"]) < 150

    page.get_by_label("Yes").check()
    page.get_by_label("How should we contact you?").fill("text me after 6")
    page.get_by_role("button", name="Tell our staff").click()
    expect(page.get_by_role("heading", name="Sent: our staff were told")).to_be_visible()
    expect(page.get_by_text(re.compile("You told our staff at"))).to_be_visible()
    assert len(mail.outbox) == 1
    assert "Robin" not in mail.outbox[0].body
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)

    page.goto(live_server.url + "/peers/")
    expect(page.get_by_text(CALM)).to_be_visible()
    expect(page.get_by_role("button", name="Ask Casey")).to_have_count(0)

    # Staff follow the alert's link on a phone; after signing in, three clicks clear the hold.
    staff_context = browser.new_context(viewport={"width": 390, "height": 844})
    staff_page = staff_context.new_page()
    sign_in_with_code(staff_page, live_server.url, staff.email, current_code(secret), link)
    expect(staff_page.get_by_label("Safety concern or report")).to_be_checked()
    staff_page.get_by_role("button", name="Open the record").click()  # 1
    expect(staff_page.get_by_text("Yes: they asked staff to contact them.")).to_be_visible()
    staff_page.get_by_role("link", name="Clear hold").click()  # 2
    staff_page.get_by_label("What was done").fill("Texted at 18:10; safe with family.")
    staff_page.get_by_role("button", name="Yes, clear the hold").click()  # 3
    expect(staff_page.get_by_text(re.compile("cleared at"))).to_be_visible()
    staff_context.close()

    page.reload()
    expect(page.get_by_role("button", name="Ask Casey")).to_be_visible()
    expect(page.get_by_text(CALM)).to_have_count(0)
