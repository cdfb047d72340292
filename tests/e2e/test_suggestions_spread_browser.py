"""Suggestions spread across mentors with room, tried in a real browser on a phone.

Two newcomers who fit the same popular mentor best, who has one free place, used to
be shown that mentor first, both of them. Now everyone's suggestions are computed
together, so they are first shown different peers, each with plain reasons and no
number a newcomer could read as a grade. A newcomer for whom every fitting mentor's
room is already planned is told so, and offered nobody to ask.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from matching.models import MatchingSettings, SuggestionRanking
from matching.selectors import WAITING_FOR_ROOM
from matching.services import matching_settings_save, suggestions_recompute
from tests.e2e.accessibility import serious_violations
from tests.e2e.people import sign_in, verified
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

PHONE = {"width": 390, "height": 844}
# How a score or a price would print: 0.83, .5, 0,83, 83%, or the words themselves.
LOOKS_LIKE_A_SCORE = re.compile(r"\d*[.,]\d+|\d\s*%|\bscore|\bprice|\bpoints?\b", re.IGNORECASE)


def newcomer(name: str, *, waiting_days: float):
    return verified(
        NewcomerFactory(
            user__email=f"{name.lower()}@example.org",
            display_name=name,
            onboarded_at=timezone.now() - datetime.timedelta(days=waiting_days),
            tags=[tag("pathway-smart"), tag("life_situation-veteran")],
        )
    )


def a_popular_mentor_and_two_others():
    """Casey fits Robin and Alex best and has one free place; Jordan and Morgan fit a bit
    less (no shared life situation) and have room for three each."""
    both = [tag("pathway-smart"), tag("life_situation-veteran")]
    MentorFactory(display_name="Casey", capacity=1, tags=both)
    MentorFactory(display_name="Jordan", capacity=3, tags=[tag("pathway-smart")])
    MentorFactory(display_name="Morgan", capacity=3, tags=[tag("pathway-smart")])


def on_a_phone(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, base, email)
    expect(page).to_have_url(base + "/me/")
    return page


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a 390px phone"


def no_number_reads_as_a_grade(page: Page) -> None:
    text = page.locator("main").inner_text()
    found = LOOKS_LIKE_A_SCORE.findall(text)
    assert not found, f"{page.url} shows {found!r}"


def first_peer_on_suggestions_page(page: Page, base: str) -> str:
    """Open the suggestions page; check every card explains itself; name the first card."""
    page.goto(base + reverse("matching:suggestions"))
    expect(page.get_by_role("heading", name="Peers who might be a good fit")).to_be_visible()
    cards = page.locator("main section.suggestion")
    expect(cards.first).to_be_visible()
    for card in cards.all():
        reasons = card.locator("ul.reasons li")
        expect(reasons.first).to_be_visible()
        expect(reasons.filter(has_text="You both use SMART Recovery")).to_have_count(1)
        expect(card.get_by_role("button", name=re.compile(r"^Ask "))).to_be_visible()
    no_number_reads_as_a_grade(page)
    fits_the_phone(page)
    return cards.first.get_by_role("heading", level=2).inner_text().strip()


def first_peer_on_home_page(page: Page, base: str) -> str:
    """Open the home page; check its suggestions explain themselves; name the first one."""
    page.goto(base + "/me/")
    expect(page.get_by_role("heading", name="What's next")).to_be_visible()
    cards = page.locator("main .next .suggestion")
    expect(cards.first).to_be_visible()
    for card in cards.all():
        expect(card.locator("ul.reasons li").first).to_be_visible()
    no_number_reads_as_a_grade(page)
    fits_the_phone(page)
    return cards.first.get_by_role("heading", level=3).inner_text().strip()


def test_two_newcomers_who_fit_the_same_popular_mentor_are_first_shown_different_peers(
    live_server, browser: Browser
):
    base = live_server.url
    # The programme's rules exist before anyone's suggestions are computed, as on a running site.
    MatchingSettings.get_solo()
    a_popular_mentor_and_two_others()
    newcomer("Robin", waiting_days=1)
    newcomer("Alex", waiting_days=1)

    suggestions_recompute()

    robin = on_a_phone(browser, base, "robin@example.org")
    alex = on_a_phone(browser, base, "alex@example.org")
    first = {}
    for name, page in (("Robin", robin), ("Alex", alex)):
        first[name] = first_peer_on_suggestions_page(page, base)
        assert first_peer_on_home_page(page, base) == first[name]
    assert first["Robin"] != first["Alex"]
    # Casey's one place is planned for one of them; the other is led to a peer with room.
    assert sorted(first.values()) in (["Casey", "Jordan"], ["Casey", "Morgan"])
    # Casey is still there further down for the other, who may choose them all the same.
    led_elsewhere = robin if first["Alex"] == "Casey" else alex
    led_elsewhere.goto(base + reverse("matching:suggestions"))
    expect(led_elsewhere.get_by_role("button", name="Ask Casey")).to_be_visible()

    # Staff switch back to each newcomer's best scores only: both are led to Casey again.
    settings_row = MatchingSettings.get_solo()
    settings_row.suggestion_ranking = SuggestionRanking.PLAIN
    matching_settings_save(settings_row=settings_row, user=None)
    for page in (robin, alex):
        assert first_peer_on_suggestions_page(page, base) == "Casey"
        assert first_peer_on_home_page(page, base) == "Casey"


def test_a_newcomer_whose_fitting_mentors_are_all_planned_for_others_is_told_to_wait(
    live_server, browser: Browser
):
    base = live_server.url
    MatchingSettings.get_solo()
    MentorFactory(display_name="Casey", capacity=1, tags=[tag("pathway-smart")])
    MentorFactory(display_name="Jordan", capacity=1, tags=[tag("pathway-smart")])
    # Two places for three newcomers who fit alike: those who have waited longer come first.
    newcomer("Robin", waiting_days=5)
    newcomer("Alex", waiting_days=5)
    newcomer("Sam", waiting_days=0)

    suggestions_recompute()

    sam = on_a_phone(browser, base, "sam@example.org")
    for path in ("/me/", reverse("matching:suggestions")):
        sam.goto(base + path)
        expect(sam.get_by_text(WAITING_FOR_ROOM)).to_be_visible()
        expect(sam.get_by_role("button", name=re.compile(r"^Ask "))).to_have_count(0)
        expect(sam.get_by_role("button", name="Send my ranked choices")).to_have_count(0)
        expect(sam.locator("main .suggestion")).to_have_count(0)
        fits_the_phone(sam)
        assert serious_violations(sam) == [], f"{path} fails axe-core"

    # Those the room is planned for are offered a peer to ask.
    robin = on_a_phone(browser, base, "robin@example.org")
    assert first_peer_on_suggestions_page(robin, base) in {"Casey", "Jordan"}
