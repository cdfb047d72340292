"""`make screenshots`: the pages people see first, on a phone and on a desktop.

Run by name only (pytest collects test_*.py files, so `make test` and `make e2e` leave
it out). It seeds the demo people, pairs some of them, and saves PNGs of a matched
newcomer's home, an unmatched newcomer's suggestions, a conversation and the programme
dashboard into docs/screenshots/.
"""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, expect

from checkins.services import checkin_record
from matching.selectors import suggestions_for
from matching.services import match_accept, match_request
from members.management.commands.seed_demo import STAFF_EMAIL, demo_email
from members.models import Member, User
from messaging.services import send_message
from steps.services import step_create
from tests.e2e.people import PASSWORD, sign_in_by_session, sign_in_with_code
from tests.recovery.conftest import ensure_starter
from tests.second_factor import add_authenticator_app, current_code

pytestmark = [pytest.mark.django_db(transaction=True)]

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
CONVERSATION = [
    ("newcomer", "Hi! Thanks for saying yes. Evenings after work are easiest for me."),
    ("mentor", "Glad to meet you. Tuesday or Thursday around 7 works for me: which suits?"),
    ("newcomer", "Thursday, please. I'm a bit nervous about the weekend coming up."),
    ("mentor", "That makes sense. Let's make a plan for Saturday together on Thursday."),
]


def newcomer(number: int) -> Member:
    return Member.objects.get(user__email=demo_email("newcomer", number))


def pair(member: Member, *, accept: bool):
    """Ask the newcomer's best suggestion, as they would, a few days after they signed
    up; the mentor may say yes the next day. A request still waiting is a recent one."""
    now = timezone.now()
    if accept:
        asked = member.onboarded_at + datetime.timedelta(days=member.pk % 5 + 1)
        asked = min(asked, now - datetime.timedelta(days=1))
    else:
        asked = now - datetime.timedelta(hours=member.pk % 40 + 2)
    with time_machine.travel(asked, tick=False):
        suggestions = suggestions_for(member)
        if not suggestions:
            return None
        mentor = suggestions[0].mentor
        match = match_request(newcomer=member, mentor_ids=[mentor.pk], user=member.user)
    if not accept:
        return match
    with time_machine.travel(asked + datetime.timedelta(hours=20), tick=False):
        return match_accept(match_id=match.pk, mentor=mentor)


@pytest.fixture
def programme():
    """The demo programme a few weeks in: the first newcomer matched and talking."""
    call_command(
        "seed_demo",
        newcomers=40,
        mentors=15,
        password=PASSWORD,
        staff_password=PASSWORD,
        stdout=StringIO(),
    )
    # The demo people joined over the last weeks; their member rows say so too.
    for member in Member.objects.select_related("user"):
        Member.objects.filter(pk=member.pk).update(created_at=member.user.date_joined)
    ensure_starter()
    first = newcomer(1)
    match = pair(first, accept=True)
    for number in range(3, 16):
        pair(newcomer(number), accept=number % 3 != 0)
    for side, text in CONVERSATION:
        author = match.newcomer if side == "newcomer" else match.mentor
        send_message(member=author, match_id=match.pk, text=text)
    step = step_create(member=first, text="Call my peer before a hard evening", shared=True)
    step_create(member=first, text="A walk after dinner, three nights a week")
    checkin_record(
        match_id=match.pk,
        author=first,
        connected="yes",
        rating=4,
        step_answers={step.pk: "went_well"},
    )
    return match


@pytest.mark.parametrize("size", SIZES)
def test_save_screenshots(live_server, browser: Browser, programme, size):
    FOLDER.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    def save(page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=FOLDER / f"{name}-{size}.png")

    member_context = browser.new_context(viewport=SIZES[size])
    sign_in_by_session(member_context, base, programme.newcomer.user)
    page = member_context.new_page()
    page.goto(base + "/me/")
    save(page, "home")
    page.goto(base + f"/messages/{programme.pk}/")
    expect(page.get_by_text(CONVERSATION[-1][1])).to_be_visible()
    save(page, "conversation")
    member_context.close()

    waiting_context = browser.new_context(viewport=SIZES[size])
    sign_in_by_session(waiting_context, base, newcomer(2).user)
    page = waiting_context.new_page()
    page.goto(base + "/peers/")
    save(page, "suggestions")
    waiting_context.close()

    staff = User.objects.get(email=STAFF_EMAIL)
    secret = add_authenticator_app(staff)
    page = browser.new_context(viewport=SIZES[size]).new_page()
    sign_in_with_code(page, base, STAFF_EMAIL, current_code(secret), "/admin/dashboard/")
    expect(page).to_have_url(base + "/admin/dashboard/")
    page.goto(base + "/admin/dashboard/")  # without the "signed in" notice
    save(page, "dashboard")
