"""A crisis phrase on one side, on phones: the sender sees the lines, readable, and that
staff were told; the peer reading it sees what to do and tells staff in one tap."""

import re

import pytest
from playwright.sync_api import Browser, expect

from messaging.services import conversation_start
from safety.models import HelpRequest, HoldReason
from tests.e2e.people import sign_in_by_session
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]
PHONE = {"viewport": {"width": 390, "height": 844}}
WORDS = "Honestly some nights I want to die"

CONTRAST = """(element) => {
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => v / 255).map(
      (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(element);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_a_crisis_phrase_leaves_both_people_knowing_what_to_do(
    live_server, browser: Browser, mailoutbox
):
    newcomer = NewcomerFactory(display_name="Robin", share_display_name=True)
    mentor = MentorFactory(display_name="Casey", share_display_name=True)
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    conversation_start(match=match)
    UserFactory(email="coordinator@example.org", is_staff=True)
    url = f"{live_server.url}/messages/{match.pk}/"

    pages = {}
    for name, member in (("newcomer", newcomer), ("mentor", mentor)):
        context = browser.new_context(**PHONE)
        sign_in_by_session(context, live_server.url, member.user)
        pages[name] = context.new_page()
        pages[name].goto(url)
    newcomer_page, mentor_page = pages["newcomer"], pages["mentor"]

    newcomer_page.get_by_label("Your message").fill(WORDS)
    newcomer_page.get_by_role("button", name="Send").click()
    card = newcomer_page.locator(".crisis-now")
    expect(card.get_by_role("link", name="I need help now")).to_be_visible()
    expect(card).to_contain_text("We have let our staff know")
    button = card.get_by_role("link", name="I need help now")
    assert button.evaluate(CONTRAST) >= 4.5

    # The mentor's open page shows the message and, under it, what to do.
    panel = mentor_page.locator(".peer-crisis")
    expect(panel).to_be_visible(timeout=5000)
    expect(panel).to_contain_text("Ask them straight out if they're safe right now")
    expect(panel.get_by_role("link", name=re.compile("988"))).to_be_visible()
    tell = panel.get_by_role("button", name="Tell our staff")
    assert tell.evaluate(CONTRAST) >= 4.5
    tell.click()  # the one tap
    expect(mentor_page.get_by_text(re.compile("Our staff were told at"))).to_be_visible()
    expect(mentor_page.locator(".peer-crisis")).to_contain_text("You told our staff at")

    concern = HelpRequest.objects.get(reason=HoldReason.PEER_CONCERN)
    assert concern.member == newcomer and concern.match == match and concern.message is None
    alerts = [m for m in mailoutbox if "helprequest" in m.body]
    assert len(alerts) == 1
    assert WORDS not in alerts[0].body and "Robin" not in alerts[0].body

    for page in (newcomer_page, mentor_page):
        page.context.close()
