"""The recovery check pages: answering, "not now", the trend, and where it is offered."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from checkins import services as checkin_services
from members.services import delete_account
from recovery import selectors
from recovery.models import Dismissal, RecoveryCheck
from recovery.services import version_make_live, version_retire
from tests.clients import client_for
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.recovery.conftest import take

pytestmark = pytest.mark.django_db

CHECK = reverse("recovery:check")
TREND = reverse("recovery:trend")
MARCH = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
JUNE = datetime.datetime(2026, 6, 12, 12, tzinfo=datetime.UTC)
# The session (no query when it is read from the shared cache), the user with their
# member, and the page's own reads: the same however many checks there are.
SESSION_QUERIES = 0 if settings.SESSION_ENGINE.endswith(".cached_db") else 1
CHECK_PAGE_QUERIES = 6 + SESSION_QUERIES
TREND_PAGE_QUERIES = 8 + SESSION_QUERIES


def answers_form(page: str, value: int = 4) -> dict:
    """The form on the check page, every statement answered `value`."""
    data = {
        "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
        "version": re.search(r'name="version" value="([^"]+)"', page).group(1),
    }
    for name in set(re.findall(r'name="(item_\d+)"', page)):
        data[name] = str(value)
    return data


@pytest.fixture
def wren(starter):
    return NewcomerFactory(display_name="Wren", time_zone="UTC")


def test_each_statement_is_a_group_of_radio_buttons_with_its_words_as_the_legend(wren):
    page = client_for(wren).get(CHECK).content.decode()
    assert page.count("<fieldset") == 8
    assert page.count('type="radio"') == 8 * 5
    assert "<legend>There are people in my life I can turn to when things get hard." in page
    assert "Not at all" in page and "Very much" in page
    assert "not a validated instrument" in page
    assert "Not now" in page


def test_a_member_answers_and_lands_on_their_trend(wren):
    client = client_for(wren)
    data = answers_form(client.get(CHECK).content.decode())
    response = client.post(CHECK, data, follow=True)
    assert response.redirect_chain[-1][0] == TREND
    page = response.content.decode()
    assert "Your answers are saved, and only you see them" in page
    assert RecoveryCheck.objects.get(member=wren).score == 32


def test_a_double_submit_of_the_same_page_counts_once(wren):
    client = client_for(wren)
    data = answers_form(client.get(CHECK).content.decode())
    client.post(CHECK, data)
    client.post(CHECK, data)
    assert RecoveryCheck.objects.filter(member=wren).count() == 1


def test_an_unanswered_statement_is_named_and_nothing_is_saved(wren):
    client = client_for(wren)
    data = answers_form(client.get(CHECK).content.decode())
    data.pop(sorted(name for name in data if name.startswith("item_"))[0])
    page = client.post(CHECK, data).content.decode()
    assert "Please choose an answer for this statement." in page
    assert not RecoveryCheck.objects.exists()


def test_an_answer_out_of_range_is_refused_with_a_clear_message(wren):
    client = client_for(wren)
    data = answers_form(client.get(CHECK).content.decode(), value=9)
    page = client.post(CHECK, data).content.decode()
    assert "Please choose one of the answers." in page
    assert not RecoveryCheck.objects.exists()


def test_answers_to_a_version_retired_meanwhile_are_refused_with_a_clear_message(
    wren, starter, ten_statements
):
    client = client_for(wren)
    # Opened while the ten statements were current; staff retired them before the answers
    # came: they are refused, and the page asks the questions that are live now.
    data = answers_form(client.get(CHECK).content.decode())
    assert data["version"] == str(ten_statements.pk)
    version_retire(version_id=ten_statements.pk)
    page = client.post(CHECK, data).content.decode()
    assert not RecoveryCheck.objects.exists()
    assert "These questions have been updated since you opened them." in page
    assert answers_form(page)["version"] == str(starter.pk)


def test_not_now_is_one_tap_and_the_offer_waits_for_the_next_period(wren):
    client = client_for(wren)
    with time_machine.travel(MARCH, tick=False):
        response = client.post(CHECK, {"not_now": "1"})
        assert response.status_code == 302
        assert Dismissal.objects.filter(member=wren).count() == 1
        assert not selectors.home_summary(wren)["due"]
    with time_machine.travel(JUNE, tick=False):
        assert selectors.home_summary(wren)["due"]


def test_the_trend_speaks_in_strengths_by_area_and_never_shows_a_threshold_or_grade(wren, starter):
    take(wren, starter, answers=[2, 2, 3, 3, 3, 3, 3, 3], when=MARCH)
    take(wren, starter, answers=[4, 5, 3, 3, 3, 3, 2, 2], when=JUNE)
    with time_machine.travel(JUNE + datetime.timedelta(days=1), tick=False):
        page = client_for(wren).get(TREND).content.decode()
    assert "More support from the people around you than in March." in page
    assert "About the same steadiness in day-to-day life as in March." in page
    assert "A little less connection to community and what matters to you than in March." in page
    assert "<svg" in page and "<table" in page
    for word in ["relapse", "threshold", "remission", "grade", "/ 40", "out of"]:
        assert word not in page.lower()
    assert 'style="' not in page.split("<main")[-1]


def test_answers_to_an_earlier_version_are_not_compared(wren, starter, ten_statements):
    take(wren, starter, value=1, when=MARCH)
    take(wren, ten_statements, value=6, when=JUNE)
    page = client_for(wren).get(TREND).content.decode()
    assert "than in March" not in page
    assert "aren't compared here" in page


def test_a_member_with_no_checks_is_invited_to_take_one(wren):
    page = client_for(wren).get(TREND).content.decode()
    assert "Take the recovery check (2 minutes)" in page


def test_the_check_page_runs_the_same_queries_with_ten_times_the_answers(
    wren, starter, django_assert_num_queries
):
    client = client_for(wren)
    take(wren, starter, when=MARCH)
    client.get(CHECK)  # the first request of a session records the member as active
    with django_assert_num_queries(CHECK_PAGE_QUERIES):
        client.get(CHECK)
    for day in range(10):
        take(wren, starter, when=MARCH + datetime.timedelta(days=day + 1))
    with django_assert_num_queries(CHECK_PAGE_QUERIES):
        client.get(CHECK)


def test_the_trend_page_runs_the_same_queries_with_ten_times_the_answers(
    wren, starter, django_assert_num_queries
):
    client = client_for(wren)
    take(wren, starter, when=MARCH)
    take(wren, starter, when=JUNE)
    client.get(TREND)  # the first request of a session records the member as active
    with django_assert_num_queries(TREND_PAGE_QUERIES):
        client.get(TREND)
    for day in range(18):
        take(wren, starter, when=JUNE + datetime.timedelta(days=day + 1))
    with django_assert_num_queries(TREND_PAGE_QUERIES):
        client.get(TREND)


# --- Nobody else sees a member's answers --------------------------------------------------


@pytest.mark.parametrize("other", ["peer", "stranger"])
def test_a_peer_or_a_stranger_sees_nothing_of_a_members_answers(wren, starter, other):
    take(wren, starter, answers=[1, 1, 1, 1, 1, 1, 1, 1], when=MARCH)
    take(wren, starter, answers=[5, 5, 5, 5, 5, 5, 5, 5], when=JUNE)
    viewer = (
        ActiveMatchFactory(newcomer=wren, mentor=MentorFactory()).mentor
        if other == "peer"
        else NewcomerFactory()
    )
    client = client_for(viewer)
    page = client.get(TREND).content.decode()
    assert "than in March" not in page
    assert "Once you take the recovery check" in page
    trend = client.get(reverse("api:v1:me-recovery-trend")).json()
    assert trend["checks"] == [] and trend["sentences"] == []
    export = client.get(reverse("members:export")).json()
    assert export["recovery_checks"] == {"checks": [], "not_now": []}


def test_signed_out_visitors_are_sent_to_sign_in_and_staff_without_a_profile_get_404(
    staff_user,
):
    assert Client().get(CHECK).status_code == 302
    staff = Client()
    staff.force_login(staff_user)
    assert staff.get(CHECK).status_code == 404
    assert staff.get(TREND).status_code == 404


def test_a_deleted_account_takes_its_answers_and_not_nows_with_it(wren, starter):
    take(wren, starter, when=MARCH)
    client_for(wren).post(CHECK, {"not_now": "1"})
    delete_account(member=wren)
    assert not RecoveryCheck.objects.filter(member=wren).exists()
    assert not Dismissal.objects.filter(member=wren).exists()


# --- Where it is offered ---------------------------------------------------------------


def test_the_home_card_offers_the_check_then_says_when_it_was_last_taken(wren, starter):
    card = render_to_string("recovery/_home.html", {"recovery": selectors.home_summary(wren)})
    assert "Take the recovery check (2 minutes)" in card and CHECK in card
    with time_machine.travel(MARCH, tick=False):
        take(wren, starter)
        card = render_to_string("recovery/_home.html", {"recovery": selectors.home_summary(wren)})
    assert "You last took it on 10 March 2026" in card
    assert TREND in card
    assert "Take the recovery check" not in card


def test_the_check_in_page_offers_the_check_while_it_is_due(wren, starter):
    match = ActiveMatchFactory(newcomer=wren, mentor=MentorFactory())
    client = client_for(wren)
    url = reverse("checkins:new", args=[match.pk])
    assert "Take the recovery check (2 minutes)" in client.get(url).content.decode()
    take(wren, starter)
    assert "Take the recovery check" not in client.get(url).content.decode()
    mentor_page = client_for(match.mentor).get(url).content.decode()
    assert "Take the recovery check" not in mentor_page


def test_the_check_in_reminder_email_offers_the_check_to_a_newcomer_while_due(wren):
    match = ActiveMatchFactory(newcomer=wren, mentor=MentorFactory())
    with time_machine.travel(match.decided_at + datetime.timedelta(days=8), tick=False):
        checkin_services.reminders_create_due()
        ids = checkin_services.reminders_claim_due()
        checkin_services.reminders_send(reminder_ids=ids)
    by_recipient = {email.to[0]: email for email in mail.outbox}
    newcomer_email = by_recipient[wren.user.email]
    assert "a two-minute check on how things are going for you" in newcomer_email.body
    assert "two-minute check" in newcomer_email.alternatives[0][0]
    # The check-in page it links to carries the offer; the email never says "recovery".
    assert "recovery" not in (newcomer_email.subject + newcomer_email.body).lower()
    assert "two-minute check" not in by_recipient[match.mentor.user.email].body


def test_the_first_offer_after_onboarding_goes_home_after_answering(wren):
    client = client_for(wren)
    page = client.get(CHECK + "?first=1").content.decode()
    assert "One more thing, only if you like" in page
    response = client.post(CHECK + "?first=1", answers_form(page))
    assert response.url == reverse("home:me")


def test_a_new_live_version_is_what_the_page_asks(wren, starter):
    from recovery.services import version_copy_as_draft

    draft = version_copy_as_draft(version_id=starter.pk)
    draft.items.filter(order=1).update(text="A reworded first statement.")
    version_make_live(version_id=draft.pk)
    page = client_for(wren).get(CHECK).content.decode()
    assert "A reworded first statement." in page
