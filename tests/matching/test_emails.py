"""The emails of the member home work: a mentor approved, a reminder a day before a
request moves on, and a newcomer told whenever their request moves on."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from matching import services
from matching.models import (
    Match,
    MatchingSettings,
    MatchNotification,
    MatchState,
    MemberNotification,
)
from matching.notifications import send_match_email, send_member_email
from matching.tasks import remind_mentors_of_answers_due, send_pending_notifications
from members import services as member_services
from members.models import VettingStatus
from members.services import member_profile_update
from safety import services as safety_services
from safety.services import help_request_create
from tests.factories import MentorFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)


def emails_to(member) -> list:
    return [message for message in mail.outbox if message.to == [member.user.email]]


# --- A mentor is told when staff approve them ------------------------------------


@pytest.fixture
def pending_mentor(db):
    return MentorFactory(display_name="Robin", vetting_status=VettingStatus.PENDING)


def test_a_mentor_is_emailed_once_when_staff_approve_them(
    pending_mentor, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_services.mentor_set_vetting(
            member_id=pending_mentor.pk, status=VettingStatus.APPROVED, staff_user=staff_user
        )
    with django_capture_on_commit_callbacks(execute=True):
        # Approving an approved mentor again is no news.
        member_services.mentor_set_vetting(
            member_id=pending_mentor.pk, status=VettingStatus.APPROVED, staff_user=staff_user
        )

    (email,) = emails_to(pending_mentor)
    assert "all set to mentor" in email.body
    assert reverse("home:me") in email.body
    notification = MemberNotification.objects.get(member=pending_mentor)
    assert not send_member_email(notification_id=notification.pk), "a second run sends nothing"
    assert len(emails_to(pending_mentor)) == 1


def test_a_mentor_rejected_is_not_emailed_that_they_are_approved(
    pending_mentor, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_services.mentor_set_vetting(
            member_id=pending_mentor.pk, status=VettingStatus.REJECTED, staff_user=staff_user
        )
    assert emails_to(pending_mentor) == []


def test_approving_from_the_admin_list_emails_the_mentor(
    pending_mentor, staff_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:members_member_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url,
            {"action": "approve_mentors", "_selected_action": [pending_mentor.pk]},
        )
    assert response.status_code == 302
    (email,) = emails_to(pending_mentor)
    assert "all set to mentor" in email.body


def test_a_decision_saved_before_it_is_recorded_still_emails_the_mentor(
    pending_mentor, staff_user, django_capture_on_commit_callbacks
):
    # The admin's edit page saves the new status first, then records the decision.
    pending_mentor.vetting_status = VettingStatus.APPROVED
    pending_mentor.save()
    with django_capture_on_commit_callbacks(execute=True):
        member_services.mentor_set_vetting(
            member_id=pending_mentor.pk,
            status=VettingStatus.APPROVED,
            staff_user=staff_user,
            previous_status=VettingStatus.PENDING,
        )
    assert len(emails_to(pending_mentor)) == 1


def test_a_mentor_sent_back_to_review_and_approved_again_is_emailed_again(
    pending_mentor, staff_user, django_capture_on_commit_callbacks
):
    for status in (VettingStatus.APPROVED, VettingStatus.PENDING, VettingStatus.APPROVED):
        with (
            time_machine.travel(timezone.now() + datetime.timedelta(minutes=len(mail.outbox))),
            django_capture_on_commit_callbacks(execute=True),
        ):
            member_services.mentor_set_vetting(
                member_id=pending_mentor.pk, status=status, staff_user=staff_user
            )
    assert len(emails_to(pending_mentor)) == 2


def test_an_approval_email_the_broker_missed_is_sent_by_the_sweep(
    pending_mentor, staff_user, monkeypatch
):
    member_services.mentor_set_vetting(
        member_id=pending_mentor.pk, status=VettingStatus.APPROVED, staff_user=staff_user
    )  # on-commit callbacks never run: as if the broker was down
    later = timezone.now() + datetime.timedelta(minutes=5)
    with time_machine.travel(later):
        send_pending_notifications()
    assert len(emails_to(pending_mentor)) == 1


# --- A mentor is reminded a day before a request moves on -------------------------


def _request_sent_at(sent_at, newcomer, mentor) -> Match:
    with time_machine.travel(sent_at, tick=False):
        return services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)


def test_a_mentor_is_reminded_once_a_day_before_a_request_moves_on(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    match = _request_sent_at(NOW, newcomer, mentor)  # expires in 72 hours
    with time_machine.travel(NOW + datetime.timedelta(hours=47), tick=False):
        assert remind_mentors_of_answers_due() == 0, "not yet: more than a day is left"
    for _ in range(2):
        with (
            time_machine.travel(NOW + datetime.timedelta(hours=49), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            remind_mentors_of_answers_due()
    with time_machine.travel(NOW + datetime.timedelta(hours=49), tick=False):
        assert not send_match_email(match_id=match.pk, event="answer_reminder")

    reminders = [e for e in emails_to(mentor) if "still waiting" in e.subject]
    assert len(reminders) == 1
    assert "An answer is due by Thursday 5 March" in reminders[0].body
    assert newcomer.display_name not in reminders[0].body


def test_no_reminder_for_a_request_answered_before_it_went_out(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    match = _request_sent_at(NOW, newcomer, mentor)
    with time_machine.travel(NOW + datetime.timedelta(hours=49), tick=False):
        services.match_accept(match_id=match.pk, mentor=mentor)
        with django_capture_on_commit_callbacks(execute=True):
            assert remind_mentors_of_answers_due() == 0
    assert not [e for e in emails_to(mentor) if "still waiting" in e.subject]


def test_a_reminder_recorded_but_answered_before_sending_is_not_sent(newcomer, mentor):
    match = _request_sent_at(NOW, newcomer, mentor)
    with time_machine.travel(NOW + datetime.timedelta(hours=49), tick=False):
        remind_mentors_of_answers_due()  # recorded; the worker is slow
        services.match_accept(match_id=match.pk, mentor=mentor)
        assert not send_match_email(match_id=match.pk, event="answer_reminder")
    assert not [e for e in emails_to(mentor) if "still waiting" in e.subject]


def test_no_reminder_when_a_request_is_open_for_a_day_or_less(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"request_expiry_hours": 24})
    _request_sent_at(NOW, newcomer, mentor)
    with (
        time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert remind_mentors_of_answers_due() == 0


# --- A newcomer is told whenever their request moves on ----------------------------


def _decline(match, mentor, staff_user):
    services.match_decline(match_id=match.pk, mentor=mentor, reason="no_capacity")


def _expire(match, mentor, staff_user):
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=73)):
        services.match_expire(match_id=match.pk)


MOVES = {
    "the mentor declines": _decline,
    "nobody answers in time": _expire,
    "the mentor pauses": lambda match, mentor, staff_user: member_profile_update(
        member=mentor, changes={"is_paused": True}
    ),
    "the mentor asks for help and is held": lambda match, mentor, staff_user: help_request_create(
        member=mentor, may_contact=None, how_to_contact=""
    ),
    "staff revoke the mentor's vetting": lambda match, mentor, staff_user: (
        member_services.mentor_set_vetting(
            member_id=mentor.pk, status=VettingStatus.REJECTED, staff_user=staff_user
        )
    ),
    "the mentor deletes their account": lambda match, mentor, staff_user: (
        member_services.delete_account(member=mentor)
    ),
    "the mentor blocks the newcomer": lambda match, mentor, staff_user: (
        safety_services.member_block(blocker=mentor, blocked=match.newcomer)
    ),
    "staff pass it to another mentor": lambda match, mentor, staff_user: services.match_reassign(
        match_id=match.pk, mentor=MentorFactory(display_name="Kit"), staff_user=staff_user
    ),
}
# Words that would tell the newcomer why, or who did what.
NEVER_SAID = ("block", "paus", "held", "reject", "deleted", "vetting", "account")


@pytest.mark.parametrize("move", MOVES)
def test_a_newcomer_is_told_once_when_their_request_moves_on_whatever_the_reason(
    move, newcomer, staff_user, django_capture_on_commit_callbacks
):
    mentor = MentorFactory(display_name="Robin", share_display_name=False)
    second = MentorFactory(display_name="Sage")
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk, second.pk], user=None)
    with django_capture_on_commit_callbacks(execute=True):
        MOVES[move](match, mentor, staff_user)

    match.refresh_from_db()
    assert match.state in (MatchState.DECLINED, MatchState.EXPIRED, MatchState.REJECTED)
    assert Match.objects.filter(newcomer=newcomer, state=MatchState.AWAITING_MENTOR).exists()
    (email,) = emails_to(newcomer)
    body = email.body.lower()
    assert "passed your request on to" in body
    assert reverse("home:me") in email.body
    for word in NEVER_SAID:
        assert word not in body, word
    for name in ("robin", "sage", "kit"):
        assert name not in body, "the email names nobody"


def test_a_newcomer_whose_request_staff_turn_down_is_told_and_it_moves_on(
    newcomer, staff_user, django_capture_on_commit_callbacks
):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    first, second = MentorFactory(), MentorFactory()
    match = services.match_request(newcomer=newcomer, mentor_ids=[first.pk, second.pk], user=None)

    with django_capture_on_commit_callbacks(execute=True):
        services.match_reject(match_id=match.pk, staff_user=staff_user, reason="Not a fit")

    (email,) = emails_to(newcomer)
    assert "passed your request on to your next choice" in email.body
    assert "not a fit" not in email.body.lower() and "reject" not in email.body.lower()
    assert emails_to(first) == [] and emails_to(second) == [], "no mentor asked yet"


def test_a_newcomer_with_no_choice_left_is_told_our_team_will_help(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    with django_capture_on_commit_callbacks(execute=True):
        member_services.delete_account(member=mentor)

    match.refresh_from_db()
    assert match.state == MatchState.DECLINED, "never read as a withdrawal they did not make"
    (email,) = emails_to(newcomer)
    assert "Our team will help you find someone" in email.body


def test_a_newcomer_who_withdraws_or_blocks_is_not_told_what_they_did(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    with django_capture_on_commit_callbacks(execute=True):
        safety_services.member_block(blocker=newcomer, blocked=mentor)
    assert Match.objects.get(pk=match.pk).state == MatchState.WITHDRAWN
    assert emails_to(newcomer) == []
    assert not MatchNotification.objects.filter(match=match).exclude(event="requested").exists()
