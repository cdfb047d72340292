"""The daily retention job, with a frozen clock: a day before the period nothing
changes, a day after the free text is gone."""

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from checkins.models import CheckIn, Connected
from matching.models import Match, MatchOrigin, MatchState, Report, ReportStatus
from members.models import Member, User
from members.tasks import retention_purge
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 5, 12, 0, tzinfo=datetime.UTC)
DAYS = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _retention_periods():
    with override_settings(
        PEERLINK_RETENTION_ENDED_MATCH_DAYS=30, PEERLINK_RETENTION_UNVERIFIED_SIGNUP_DAYS=14
    ):
        yield


def ended_match_with_text():
    match = ActiveMatchFactory(
        state=MatchState.ENDED,
        ended_at=START,
        end_reason="We moved to another city",
        reasons=["You're both parents"],
    )
    CheckIn.objects.create(
        match=match, author=match.newcomer, connected=Connected.YES, note="Talked about relapse"
    )
    Report.objects.create(
        reporter=match.newcomer,
        reported=match.mentor,
        match=match,
        text="Was late twice",
        status=ReportStatus.ACTED,
    )
    declined = Match.objects.create(
        newcomer=NewcomerFactory(),
        mentor=match.mentor,
        state=MatchState.DECLINED,
        origin=MatchOrigin.REQUEST,
        score=0.5,
        decided_at=START,
        decline_reason="other",
        decline_note="Not with my neighbour",
    )
    return match, declined


def texts(match, declined):
    match.refresh_from_db()
    declined.refresh_from_db()
    return {
        "end_reason": match.end_reason,
        "reasons": match.reasons,
        "decline_note": declined.decline_note,
        "checkin": CheckIn.objects.get(match=match).note,
        "report": Report.objects.get(match=match).text,
    }


def test_ended_match_text_stays_until_the_period_is_over_then_goes():
    with time_machine.travel(START - DAYS, tick=False):
        match, declined = ended_match_with_text()
        active = ActiveMatchFactory(reasons=["You're both in 12-step"])
        CheckIn.objects.create(
            match=active, author=active.newcomer, connected=Connected.YES, note="Going well"
        )
    before = texts(match, declined)

    with time_machine.travel(START + 29 * DAYS, tick=False):
        retention_purge()
    assert texts(match, declined) == before

    with time_machine.travel(START + 31 * DAYS, tick=False):
        result = retention_purge()
    assert texts(match, declined) == {
        "end_reason": "",
        "reasons": [],
        "decline_note": "",
        "checkin": "",
        "report": "[removed]",
    }
    assert result["matches_purged"] == 2
    active.refresh_from_db()
    assert active.reasons == ["You're both in 12-step"], "an active match keeps its text"
    assert CheckIn.objects.get(match=active).note == "Going well"
    assert match.state == MatchState.ENDED, "the match itself stays, for the programme's numbers"

    with time_machine.travel(START + 32 * DAYS, tick=False):
        again = retention_purge()
    assert again == dict.fromkeys(again, 0), "a second run changes nothing"


def test_an_open_report_keeps_its_text_until_staff_deal_with_it():
    with time_machine.travel(START, tick=False):
        match, _ = ended_match_with_text()
        Report.objects.filter(match=match).update(status=ReportStatus.OPEN)
    with time_machine.travel(START + 31 * DAYS, tick=False):
        retention_purge()
    assert Report.objects.get(match=match).text == "Was late twice"


def test_stale_unverified_sign_ups_are_deleted_after_the_period():
    with time_machine.travel(START, tick=False):
        stale = NewcomerFactory(user__email="never-verified@example.org").user
        EmailAddress.objects.create(user=stale, email=stale.email, verified=False, primary=True)
        verified = UserFactory(email="verified@example.org")
        EmailAddress.objects.create(
            user=verified, email=verified.email, verified=True, primary=True
        )
        signed_in = UserFactory(email="signed-in@example.org", last_login=START)
        staff = UserFactory(email="staff@example.org", is_staff=True)
        EmailAddress.objects.create(user=staff, email=staff.email, verified=False)
        created_by_staff = MentorFactory()

    with time_machine.travel(START + 13 * DAYS, tick=False):
        retention_purge()
    assert User.objects.filter(pk=stale.pk).exists()

    with time_machine.travel(START + 15 * DAYS, tick=False):
        result = retention_purge()
    assert not User.objects.filter(pk=stale.pk).exists()
    assert not Member.objects.filter(user_id=stale.pk).exists()
    assert result["signups_deleted"] == 1
    remaining = set(User.objects.values_list("pk", flat=True))
    assert {verified.pk, signed_in.pk, staff.pk} <= remaining
    assert created_by_staff.user_id in remaining, "an account without an address to verify stays"


def test_the_purge_runs_daily_from_beat():
    task = PeriodicTask.objects.get(task="retention.purge")
    assert task.enabled and task.crontab is not None
    assert (task.crontab.hour, task.crontab.day_of_week) != ("*", "")
    assert task.args == "[]" and task.kwargs == "{}", "the task takes no personal data"


def test_sign_in_records_are_dropped_after_their_retention_period():
    from axes.models import AccessAttempt, AccessLog

    with time_machine.travel(START, tick=False):
        AccessLog.objects.create(
            username="someone@example.org", ip_address="203.0.113.5", user_agent="phone"
        )
        AccessAttempt.objects.create(
            username="someone@example.org",
            ip_address="203.0.113.5",
            user_agent="phone",
            failures_since_start=2,
        )
    with override_settings(PEERLINK_RETENTION_SIGN_IN_RECORDS_DAYS=30):
        with time_machine.travel(START + 29 * DAYS, tick=False):
            retention_purge()
        assert AccessLog.objects.count() == 1
        assert AccessAttempt.objects.count() == 1

        with time_machine.travel(START + 31 * DAYS, tick=False):
            result = retention_purge()

    assert AccessLog.objects.count() == 0
    assert AccessAttempt.objects.count() == 0
    assert result["sign_in_records_deleted"] == 2
