"""What a newcomer learns of a proposal a matching run made for them: the pages say
our team suggested this peer (they never asked), and one email tells them so."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from home.selectors import home_page
from matching import batch, services
from matching.models import Match, MatchingSettings, MatchNotification, MatchState
from matching.tasks import send_match_notification
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

STATUS = reverse("matching:status")
HOME = reverse("home:me")
SUBJECT = "Our team suggested a peer for you on PeerLink"


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def apply_a_run(staff_user, capture) -> Match:
    """Preview and apply a run; return Robin's proposal."""
    run = batch.batch_run_preview(user=staff_user)
    with capture(execute=True):
        batch.batch_run_apply(run_id=run.pk, user=staff_user)
    return Match.objects.get(batch_run=run, newcomer__display_name="Robin")


def emails_to(member) -> list:
    return [message for message in mail.outbox if message.to == [member.user.email]]


@pytest.fixture
def javier(db):
    return MentorFactory(
        display_name="Javier F.",
        pronouns="he/him",
        bio="Dad of two, sober since the spring.",
        contact_details="Signal: javier",
    )


@pytest.fixture
def robin(db):
    return NewcomerFactory(display_name="Robin")


# --- The pages ---------------------------------------------------------------------


def test_status_page_says_our_team_suggested_the_peer_of_a_batch_proposal(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    apply_a_run(staff_user, django_capture_on_commit_callbacks)

    page = signed_in(robin).get(STATUS).content.decode()

    assert "Our team suggested Javier F. as your peer." in page
    assert "We have asked them." in page
    assert "An answer is due by" in page
    assert "you can withdraw it and choose from your suggestions" in page
    assert "Withdraw this suggestion" in page
    assert "Your request is with your peer" not in page


def test_status_page_of_a_newcomers_own_request_still_says_it_is_with_their_peer(javier, robin):
    services.match_request(newcomer=robin, mentor_ids=[javier.pk], user=robin.user)

    page = signed_in(robin).get(STATUS).content.decode()

    assert "Your request is with your peer" in page
    assert "Withdraw my request" in page
    assert "Our team suggested" not in page


def test_a_newcomer_may_withdraw_a_suggestion_like_any_request(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    match = apply_a_run(staff_user, django_capture_on_commit_callbacks)

    signed_in(robin).post(reverse("matching:withdraw", args=[match.pk]))

    match.refresh_from_db()
    assert match.state == MatchState.WITHDRAWN
    assert "Our team suggested" not in signed_in(robin).get(STATUS).content.decode()


def test_home_page_says_our_team_suggested_the_peer_and_what_changed(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    before = robin.onboarded_at
    apply_a_run(staff_user, django_capture_on_commit_callbacks)

    page = signed_in(robin).get(HOME).content.decode()

    assert "Our team suggested Javier F. as your peer." in page
    assert "Your request is with" not in page
    assert home_page(robin, since=before).changes == ["Our team suggested Javier F. as your peer."]


def test_a_suggestion_waiting_for_staff_says_staff_check_it_before_the_peer_is_asked(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    programme = MatchingSettings.get_solo()
    programme.require_staff_approval = True
    programme.save()

    apply_a_run(staff_user, django_capture_on_commit_callbacks)

    status_page = signed_in(robin).get(STATUS).content.decode()
    home = signed_in(robin).get(HOME).content.decode()
    for page in (status_page, home):
        assert "Our team suggested Javier F. as your peer." in page
        assert "Our staff check each suggestion before we ask them." in page
        assert "You asked" not in page
    (email,) = emails_to(robin)
    assert "Our staff check each suggestion before we ask the peer." in email.body
    assert not emails_to(javier), "the mentor is asked once staff approve"


# --- The email ---------------------------------------------------------------------


def test_each_newcomer_of_an_applied_run_gets_one_email_saying_our_team_suggested_a_peer(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    other = NewcomerFactory(display_name="Quill")

    match = apply_a_run(staff_user, django_capture_on_commit_callbacks)

    (email,) = emails_to(robin)
    assert email.subject == SUBJECT
    assert "Our team suggested Javier F. as a peer for you" in email.body
    assert "An answer is due by" in email.body
    assert reverse("matching:status") in email.body
    assert "withdraw" in email.body
    assert len(emails_to(other)) == 1
    assert [m.subject for m in emails_to(javier)].count(
        "Someone would like to connect with you on PeerLink"
    ) == Match.objects.filter(mentor=javier).count()
    assert MatchNotification.objects.get(match=match, event="suggested").sent_at is not None


def test_the_newcomers_email_goes_once_even_if_its_task_runs_twice(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    match = apply_a_run(staff_user, django_capture_on_commit_callbacks)

    send_match_notification.delay(match.pk, "suggested")
    send_match_notification.delay(match.pk, "suggested")

    assert len(emails_to(robin)) == 1


def test_the_newcomers_email_names_no_more_than_peer_view_allows(
    robin, staff_user, django_capture_on_commit_callbacks
):
    MentorFactory(
        display_name="Wenonah",
        share_display_name=False,
        pronouns="she/her",
        bio="Gardening keeps me steady.",
        contact_details="Signal: wenonah",
        user__email="wenonah@example.org",
    )

    apply_a_run(staff_user, django_capture_on_commit_callbacks)

    (email,) = emails_to(robin)
    assert "Our team suggested a peer for you" in email.body
    for detail in ("Wenonah", "wenonah", "she/her", "Gardening", "Signal"):
        assert detail not in email.body
        assert detail not in email.subject


def test_the_newcomers_email_shows_the_shared_name_but_no_other_detail(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    apply_a_run(staff_user, django_capture_on_commit_callbacks)

    (email,) = emails_to(robin)
    assert "Javier F." in email.body
    for detail in ("he/him", "Dad of two", "Signal: javier", javier.user.email):
        assert detail not in email.body


def test_no_email_goes_about_a_suggestion_withdrawn_before_it_was_sent(
    javier, robin, staff_user, django_capture_on_commit_callbacks
):
    run = batch.batch_run_preview(user=staff_user)
    # The task never ran (the broker was away), and the newcomer withdrew meanwhile.
    batch.batch_run_apply(run_id=run.pk, user=staff_user)
    match = Match.objects.get(batch_run=run)
    services.match_withdraw(match_id=match.pk, newcomer=robin)

    send_match_notification.delay(match.pk, "suggested")

    assert not emails_to(robin)
