"""Pressing "I need help now": the request is kept, the member held, staff told once."""

import pytest
from django.core import mail

from checkins import services as checkin_services
from matching import batch, selectors
from matching import services as matching_services
from matching.models import Match
from safety import services, tasks
from safety.models import HelpRequest, HoldReason, SafetySettings
from tests.factories import ActiveMatchFactory, MentorFactory

pytestmark = pytest.mark.django_db


def test_help_now_records_the_request_and_holds_the_member(newcomer):
    request = services.help_request_create(
        member=newcomer, may_contact=True, how_to_contact="text me after 6"
    )

    newcomer.refresh_from_db()
    assert newcomer.held_for_review and newcomer.held_at is not None
    assert request.reason == HoldReason.HELP_NOW
    assert request.may_contact is True and request.how_to_contact == "text me after 6"
    assert request.cleared_at is None


def test_pressing_again_while_held_keeps_one_open_request_with_the_latest_wishes(
    newcomer, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.help_request_create(
            member=newcomer, may_contact=True, how_to_contact="text after 6"
        )

    assert again.pk == first.pk
    request = HelpRequest.objects.get(member=newcomer, cleared_at=None)
    assert request.may_contact is True and request.how_to_contact == "text after 6"
    assert len(mail.outbox) == 1  # staff were told once
    newcomer.refresh_from_db()
    assert newcomer.held_for_review


def test_pressing_again_without_answers_keeps_the_earlier_answers(newcomer):
    services.help_request_create(member=newcomer, may_contact=False, how_to_contact="call me")
    services.help_request_create(member=newcomer, may_contact=None, how_to_contact="  ")

    request = HelpRequest.objects.get(member=newcomer)
    assert request.may_contact is False and request.how_to_contact == "call me"


def test_pressing_while_held_for_a_checkin_concern_alerts_staff_of_the_help_request(
    newcomer, staff_user, django_capture_on_commit_callbacks
):
    SafetySettings.objects.update_or_create(pk=1, defaults={"hold_on_checkin_concern": True})
    match = ActiveMatchFactory(newcomer=newcomer)
    checkin_services.checkin_record(
        match_id=match.pk, author=newcomer, connected="yes", concern=True
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")

    assert HelpRequest.objects.filter(member=newcomer, reason=HoldReason.HELP_NOW).count() == 1
    assert len(mail.outbox) == 1


def test_pressing_after_staff_cleared_the_hold_is_a_new_request(
    newcomer, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")
    services.holds_clear(help_request_ids=[first.pk], staff_user=staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        second = services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")

    assert second.pk != first.pk
    assert len(mail.outbox) == 2
    newcomer.refresh_from_db()
    assert newcomer.held_for_review


def test_staff_get_one_email_naming_no_member_with_a_link_to_the_admin(
    newcomer, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.help_request_create(
            member=newcomer, may_contact=True, how_to_contact="call 555-0100"
        )
    tasks.alert_staff_of_help_request(request.pk)  # a second run sends nothing

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff_user.email]
    text = message.subject + message.body
    for personal in ("Alice", "alice@example.org", "555-0100", newcomer.user.email):
        assert personal not in text
    assert f"/admin/safety/helprequest/{request.pk}/change/" in text
    request.refresh_from_db()
    assert request.staff_alerted_at is not None


def test_an_alert_the_broker_never_delivered_is_sent_by_the_sweep(newcomer, staff_user):
    request = services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")
    HelpRequest.objects.filter(pk=request.pk).update(
        created_at=request.created_at - __import__("datetime").timedelta(minutes=5)
    )

    tasks.sweep()
    tasks.sweep()

    assert len(mail.outbox) == 1


def test_a_held_newcomer_gets_no_suggestions_and_cannot_request(newcomer, mentor):
    assert [s.mentor for s in selectors.suggestions_for(newcomer)] == [mentor]
    services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")
    newcomer.refresh_from_db()

    assert selectors.suggestions_for(newcomer) == []
    with pytest.raises(matching_services.MatchError, match="Our staff will be in touch"):
        matching_services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    assert not Match.objects.exists()


def test_batch_matching_skips_a_held_newcomer(newcomer, mentor, staff_user):
    services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")

    run = batch.batch_run_preview(user=staff_user)

    assert newcomer.pk not in {pair[0] for pair in run.pairs}


def test_clearing_the_hold_records_who_and_when_and_lets_them_be_suggested_again(
    newcomer, mentor, staff_user
):
    first = services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")
    HelpRequest.objects.create(member=newcomer, reason=HoldReason.CHECKIN_CONCERN)

    cleared = services.holds_clear(help_request_ids=[first.pk], staff_user=staff_user)

    assert cleared == 1
    newcomer.refresh_from_db()
    assert not newcomer.held_for_review and newcomer.held_at is None
    rows = HelpRequest.objects.filter(member=newcomer)
    assert all(row.cleared_by == staff_user and row.cleared_at for row in rows)
    assert [s.mentor for s in selectors.suggestions_for(newcomer)] == [mentor]


def test_a_checkin_concern_does_not_hold_the_member_by_default():
    match = ActiveMatchFactory()

    checkin_services.checkin_record(
        match_id=match.pk, author=match.newcomer, connected="yes", concern=True
    )

    match.newcomer.refresh_from_db()
    assert not match.newcomer.held_for_review
    assert not HelpRequest.objects.exists()


def test_a_checkin_concern_holds_the_author_when_the_programme_says_so():
    SafetySettings.objects.update_or_create(pk=1, defaults={"hold_on_checkin_concern": True})
    match = ActiveMatchFactory()

    checkin = checkin_services.checkin_record(
        match_id=match.pk, author=match.newcomer, connected="yes", concern=True
    )

    match.newcomer.refresh_from_db()
    assert match.newcomer.held_for_review
    hold = HelpRequest.objects.get(member=match.newcomer)
    assert hold.reason == HoldReason.CHECKIN_CONCERN and hold.checkin == checkin


def test_a_held_mentor_gets_no_new_requests(newcomer):
    mentor = MentorFactory()
    services.help_request_create(member=mentor, may_contact=None, how_to_contact="")

    assert selectors.suggestions_for(newcomer) == []
