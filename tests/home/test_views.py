"""The member home page `/me/`: where sign-in lands, and it always says what is next."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from checkins.models import CheckIn, Connected
from home.models import HomeVisit
from home.selectors import NO_MENTOR_FITS
from home.views import PAUSED, UNPAUSED
from matching import services
from matching.models import Match, MatchingSettings, MatchState
from members.export import member_data_export
from members.models import Member, VettingStatus
from members.services import delete_account
from messaging.services import conversation_start, send_message
from safety.services import help_request_create
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory, tag
from tests.recovery.conftest import ensure_starter
from tests.second_factor import with_verified_email

pytestmark = pytest.mark.django_db

ME = reverse("home:me")


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


# --- Who lands where ---------------------------------------------------------------


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(ME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_without_a_member_profile_go_to_the_admin(db):
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    response = client.get(ME)
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_a_member_who_has_not_finished_onboarding_is_sent_to_finish_it(db):
    member = NewcomerFactory(onboarded_at=None, onboarding_step=1)
    response = _client(member).get(ME)
    assert response.status_code == 302 and response.url == reverse("members:onboarding")


def test_signing_in_lands_on_the_home_page(newcomer):
    with_verified_email(newcomer.user)
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": newcomer.user.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302 and response.url == ME


def test_every_home_page_links_to_resources_and_help_now(newcomer_client):
    page = newcomer_client.get(ME).text
    assert reverse("safety:resources") in page
    assert reverse("safety:help_now") in page


# --- Newcomers -----------------------------------------------------------------------


def test_an_unmatched_newcomer_sees_their_top_suggestions_with_reasons(newcomer):
    newcomer.tags.set([tag("pathway-12-step")])
    for name in ("Robin", "Sage", "Kit", "Ash"):
        MentorFactory(display_name=name, tags=[tag("pathway-12-step")])

    response = _client(newcomer).get(ME)

    shown = response.context["page"].suggestions
    assert len(shown) == 3, "the top few; the rest are on /peers/"
    page = response.text
    assert shown[0][0].reasons and shown[0][0].reasons[0] in page
    assert reverse("matching:suggestions") in page


def test_a_newcomer_with_nobody_who_fits_is_told_why_in_plain_words(newcomer_client):
    page = newcomer_client.get(ME).text
    assert NO_MENTOR_FITS in page


def test_a_held_newcomer_is_told_staff_will_be_in_touch_and_sees_no_suggestions(newcomer, mentor):
    help_request_create(member=newcomer, may_contact=None, how_to_contact="")

    response = _client(newcomer).get(ME)

    assert response.context["page"].suggestions == []
    assert "Our staff will be in touch" in response.text
    assert mentor.display_name not in response.text


def test_a_newcomer_waiting_for_staff_approval_is_told_so(newcomer, mentor):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)

    page = _client(newcomer).get(ME).text

    assert "Our staff are looking at your request" in page
    assert "An answer is due" not in page


def test_a_matched_newcomer_sees_their_peer_unread_messages_and_a_link_to_them(newcomer, mentor):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    conversation_start(match=match)
    send_message(member=mentor, match_id=match.pk, text="Hello there")
    send_message(member=mentor, match_id=match.pk, text="How are you?")

    page = _client(newcomer).get(ME).text

    assert "You are matched with Bob" in page
    assert "(2 unread)" in page
    assert reverse("messaging:conversation", args=[match.pk]) in page


def test_a_peer_who_hides_their_name_is_not_named(newcomer):
    mentor = MentorFactory(display_name="Hidden Harper", share_display_name=False)
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)

    page = _client(newcomer).get(ME).text

    assert "Hidden Harper" not in page
    assert "You are matched with your peer" in page


def test_the_next_check_in_is_shown_in_the_members_own_time_zone(newcomer, mentor):
    Member.objects.filter(pk=newcomer.pk).update(time_zone="Pacific/Auckland")
    started = datetime.datetime(2026, 3, 2, 20, 0, tzinfo=datetime.UTC)  # Tue 3 March, Auckland
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor, decided_at=started)

    with time_machine.travel(started + datetime.timedelta(days=1), tick=False):
        page = _client(newcomer).get(ME).text

    # The first check-in is a week after the match started, in Auckland's calendar.
    assert "Next one: Tuesday 10 March" in page


def test_the_home_page_says_whether_the_last_check_in_is_done(newcomer, mentor):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)  # the first one is due
    client = _client(newcomer)

    assert "the last check-in is still open" in client.get(ME).text
    CheckIn.objects.create(match=match, author=newcomer, connected=Connected.YES)
    assert "your last check-in is done" in client.get(ME).text


# --- Mentors -------------------------------------------------------------------------


def test_a_mentor_sees_requests_waiting_and_room_left(mentor):
    ActiveMatchFactory(mentor=mentor)
    services.match_request(newcomer=NewcomerFactory(), mentor_ids=[mentor.pk], user=None)

    page = _client(mentor).get(ME).text

    assert "A request is waiting for your answer." in page
    assert reverse("matching:inbox") in page
    assert "You have room for 2 more newcomers." in page  # capacity 3, one active


def test_a_mentor_still_being_vetted_is_told_so(db):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    page = _client(mentor).get(ME).text
    assert "still reviewing your profile" in page
    assert "Pause new requests" not in page


def test_the_mentor_of_a_request_waiting_for_staff_sees_nothing_of_it(mentor):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    newcomer = NewcomerFactory(display_name="Quiet Quinn")
    services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)

    response = _client(mentor).get(ME)

    assert response.context["page"].requests_waiting == []
    assert "Quiet Quinn" not in response.text
    assert "No requests waiting for you right now." in response.text
    assert "You have room for 3 more newcomers." in response.text


def test_a_mentor_pauses_new_requests_from_the_home_page_and_waiting_ones_move_on(
    mentor, django_capture_on_commit_callbacks
):
    newcomer = NewcomerFactory()
    second = MentorFactory()
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk, second.pk], user=None)
    client = _client(mentor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("home:pause"), {"is_paused": "on"}, follow=True)

    mentor.refresh_from_db()
    assert mentor.is_paused
    assert PAUSED in response.text
    assert "Take new requests again" in response.text
    assert Match.objects.get(pk=match.pk).state == MatchState.DECLINED
    assert Match.objects.filter(newcomer=newcomer, mentor=second).exists()

    response = client.post(reverse("home:pause"), {}, follow=True)
    mentor.refresh_from_db()
    assert not mentor.is_paused
    assert UNPAUSED in response.text


def test_only_mentors_have_a_pause_switch(newcomer_client, newcomer):
    response = newcomer_client.post(reverse("home:pause"), {"is_paused": "on"})
    assert response.status_code == 404
    newcomer.refresh_from_db()
    assert not newcomer.is_paused


def test_the_pause_switch_only_answers_a_post(mentor_client):
    assert mentor_client.get(reverse("home:pause")).status_code == 405


def test_a_mentor_sees_each_match_with_its_unread_messages(mentor):
    match = ActiveMatchFactory(mentor=mentor, newcomer=NewcomerFactory(display_name="Casey"))
    conversation_start(match=match)
    send_message(member=match.newcomer, match_id=match.pk, text="Hi Bob")

    page = _client(mentor).get(ME).text

    assert "Casey" in page and "(1 unread)" in page
    assert reverse("messaging:conversation", args=[match.pk]) in page


def test_the_last_visit_is_in_the_members_data_and_goes_with_the_account(newcomer_client, newcomer):
    newcomer_client.get(ME)
    assert member_data_export(newcomer)["home_page_visits"]["last_visit"] is not None

    delete_account(member=newcomer)

    assert not HomeVisit.objects.filter(member=newcomer).exists()


def test_the_recovery_check_card_always_says_something_to_a_mentor_who_never_took_it():
    ensure_starter()
    mentor = MentorFactory()
    client = Client()
    client.force_login(mentor.user)

    page = client.get(reverse("home:me")).content.decode()

    card = page[page.index("<h2>Recovery check</h2>") :].split("</section>")[0]
    assert "Take it whenever you like" in card
