"""Every number of the programme dashboard, on known data."""

import datetime

import pytest
import time_machine

from checkins.models import CheckIn, Reminder, ReminderState
from matching.models import DeclineReason, EndedBy, Match, MatchOrigin, MatchState, Report
from members.models import Member
from programme import selectors
from programme.periods import Period, median, percentile
from recovery.models import Instrument, InstrumentVersion, RecoveryCheck, Threshold
from safety.models import HelpRequest
from steps.models import Step, StepAnswer
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)
# The last four weeks: 19 May to 15 June, weeks from 19 May, 26 May, 2 June, 9 June.
PERIOD = Period.last_weeks(4, NOW.date())


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def signed_up(member, days: float):
    Member.objects.filter(pk=member.pk).update(created_at=days_ago(days))
    return member


def match(state, *, newcomer=None, mentor=None, decided=None, ended=None, sent=None, **fields):
    """A match in `state`, decided, ended and sent to its mentor `n` days ago."""
    row = ActiveMatchFactory(
        newcomer=newcomer or NewcomerFactory(),
        mentor=mentor or MentorFactory(),
        state=state,
        decided_at=None if decided is None else days_ago(decided),
        ended_at=None if ended is None else days_ago(ended),
        sent_to_mentor_at=None if sent is None else days_ago(sent),
        **fields,
    )
    return row


# --- The period -----------------------------------------------------------------------


def test_the_default_period_is_twelve_weeks_ending_today():
    period = Period.last_weeks(12, datetime.date(2026, 6, 15))
    assert period.start == datetime.date(2026, 3, 24)
    assert period.days == 84
    assert len(period.weeks) == 12
    assert period.weeks[-1] == datetime.date(2026, 6, 9)


def test_a_custom_period_ends_with_a_short_week_and_counts_only_its_days():
    period = Period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 10))
    assert period.weeks == [datetime.date(2026, 1, 1), datetime.date(2026, 1, 8)]
    assert period.week_ends() == [datetime.date(2026, 1, 7), datetime.date(2026, 1, 10)]
    counts = [
        (datetime.date(2025, 12, 31), 5),
        (datetime.date(2026, 1, 1), 1),
        (datetime.date(2026, 1, 7), 2),
        (datetime.date(2026, 1, 10), 3),
        (datetime.date(2026, 1, 11), 7),
    ]
    assert period.weekly(counts) == [3, 3]


def test_median_and_ninetieth_percentile():
    assert median([1, 3, 10]) == 3
    assert median([]) is None
    values = list(range(1, 11))  # 1..10: nine of ten people were matched within 9 days
    assert percentile(values, 0.9) == 9
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([], 0.9) is None


# --- Waiting and matching -------------------------------------------------------------


def test_three_waiting_newcomers_give_the_median_and_longest_wait():
    signed_up(NewcomerFactory(), 2)
    signed_up(NewcomerFactory(), 10)
    # Signed up long ago, but their last match ended four days ago: waiting since then.
    returning = signed_up(NewcomerFactory(), 30)
    match(MatchState.ENDED, newcomer=returning, decided=25, ended=4, ended_by=EndedBy.MENTOR)
    # Not waiting: one with an active match, one with a request open.
    match(MatchState.ACTIVE, newcomer=signed_up(NewcomerFactory(), 50), decided=3)
    match(MatchState.AWAITING_MENTOR, newcomer=signed_up(NewcomerFactory(), 40))

    waiting = selectors.waiting(NOW)

    assert waiting == {"count": 3, "median_days": 4.0, "longest_days": 10.0}


def test_time_from_sign_up_to_a_first_match_counts_each_newcomer_once():
    # Matched in the period after 2, 6 and 10 days; the third matched again later.
    for waited, accepted in [(2, 20), (6, 10), (10, 3)]:
        newcomer = signed_up(NewcomerFactory(), accepted + waited)
        match(
            MatchState.ENDED if accepted == 10 else MatchState.ACTIVE,
            newcomer=newcomer,
            decided=accepted,
            ended=5 if accepted == 10 else None,
        )
    again = Member.objects.order_by("-pk").filter(role="newcomer").first()
    match(MatchState.DECLINED, newcomer=again, decided=1)
    # First matched before the period: not counted, even with a new match inside it.
    early = signed_up(NewcomerFactory(), 100)
    match(MatchState.ENDED, newcomer=early, decided=60, ended=40)
    match(MatchState.ACTIVE, newcomer=early, decided=7)

    numbers = selectors.time_to_match(PERIOD)

    assert numbers["matched"] == 3
    assert numbers["median_days"] == 6.0
    assert numbers["p90_days"] == 10.0
    # Accepted 20, 10 and 3 days ago: weeks from 26 May, 2 June and 9 June.
    assert numbers["weekly"] == [0, 1, 1, 1]


def test_requests_accepted_declined_and_expired_by_week_with_decline_reasons():
    match(MatchState.ACTIVE, decided=1)
    match(MatchState.ENDED, decided=2, ended=1)
    match(MatchState.DECLINED, decided=9, decline_reason=DeclineReason.NO_CAPACITY)
    match(MatchState.DECLINED, decided=10, decline_reason=DeclineReason.NOT_A_FIT)
    match(MatchState.DECLINED, decided=11, decline_reason=DeclineReason.NO_CAPACITY)
    match(MatchState.EXPIRED, decided=26)
    match(MatchState.EXPIRED, decided=40)  # before the period
    match(MatchState.WITHDRAWN, decided=3)  # not a mentor's answer

    numbers = selectors.requests(PERIOD)

    assert (numbers["accepted"], numbers["declined"], numbers["expired"]) == (2, 3, 1)
    assert numbers["weekly"] == {
        "accepted": [0, 0, 0, 2],
        "declined": [0, 0, 3, 0],
        "expired": [1, 0, 0, 0],
    }
    assert numbers["decline_reasons"] == {
        "no_capacity": 2,
        "not_a_fit": 1,
        "availability": 0,
        "other": 0,
    }


def test_the_median_hours_to_a_mentors_answer_counts_answers_in_the_period():
    match(MatchState.ACTIVE, sent=1.25, decided=1)  # 6 hours
    match(MatchState.DECLINED, sent=2.5, decided=2)  # 12 hours
    match(MatchState.DECLINED, sent=50, decided=40)  # before the period
    assert selectors.median_hours_to_first_response(PERIOD) == 9.0


def test_active_matches_at_each_weeks_end_and_ended_by_whom():
    match(MatchState.ACTIVE, decided=40)  # active all along
    match(MatchState.ACTIVE, decided=12)  # from the week of 2 June
    match(MatchState.ENDED, decided=40, ended=17, ended_by=EndedBy.NEWCOMER)
    match(MatchState.ENDED, decided=30, ended=2, ended_by=EndedBy.STAFF)
    match(MatchState.ENDED, decided=60, ended=45, ended_by=EndedBy.MENTOR)  # before

    numbers = selectors.matches(PERIOD, NOW)

    assert numbers["active"] == 2
    assert numbers["ended"] == 2
    assert numbers["ended_by"] == {"newcomer": 1, "mentor": 0, "staff": 1}
    # Week ends: 25 May, 1 June, 8 June, and now for the week under way.
    assert numbers["weekly"]["active"] == [3, 2, 3, 2]
    assert numbers["weekly"]["ended"] == [0, 1, 0, 1]


def test_check_in_completion_is_check_ins_done_against_reminders_due():
    active = match(MatchState.ACTIVE, decided=30)
    for slot, (days, state) in enumerate(
        [(20, ReminderState.SENT), (6, ReminderState.SENT), (5, ReminderState.SKIPPED)]
    ):
        Reminder.objects.create(
            match=active, recipient=active.newcomer, slot=slot, due_at=days_ago(days), state=state
        )
        Reminder.objects.create(
            match=active, recipient=active.mentor, slot=slot, due_at=days_ago(days), state=state
        )
    checkin = CheckIn.objects.create(match=active, author=active.newcomer, connected="yes")
    CheckIn.objects.filter(pk=checkin.pk).update(created_at=days_ago(19))
    CheckIn.objects.create(match=active, author=active.mentor, connected="yes")

    numbers = selectors.checkins(PERIOD)

    assert (numbers["done"], numbers["due"], numbers["completion"]) == (2, 4, 0.5)
    assert numbers["weekly"] == {"done": [0, 1, 0, 1], "due": [0, 2, 0, 2]}


def test_check_in_completion_is_none_when_nothing_was_due():
    assert selectors.checkins(PERIOD)["completion"] is None


def test_mentor_load_and_mentors_with_room_nobody_asked_for_a_month():
    full = MentorFactory(capacity=1)
    match(MatchState.ACTIVE, mentor=full, decided=3, sent=4)
    asked_lately = MentorFactory(capacity=3)
    match(MatchState.ACTIVE, mentor=asked_lately, decided=9, sent=10)
    not_asked_lately = MentorFactory(capacity=2)
    match(MatchState.DECLINED, mentor=not_asked_lately, decided=44, sent=45)
    MentorFactory(capacity=2)  # never asked
    MentorFactory(capacity=3, is_paused=True)  # may not be asked: not counted

    numbers = selectors.mentors(NOW)

    assert numbers == {
        "available": 4,
        "capacity": 8,
        "places_taken": 2,
        "load": 0.25,
        "full": 1,
        "with_room": 3,
        "with_room_not_asked_for_a_month": 2,
    }


def test_open_holds_concerns_and_reports_and_how_long_they_waited():
    newcomer = NewcomerFactory()
    for days, cleared in [(1, None), (3, None), (9, days_ago(2))]:
        hold = HelpRequest.objects.create(member=newcomer, reason="help_now", cleared_at=cleared)
        HelpRequest.objects.filter(pk=hold.pk).update(created_at=days_ago(days))
    active = match(MatchState.ACTIVE, decided=30)
    concern = CheckIn.objects.create(
        match=active, author=active.newcomer, connected="no", concern=True
    )
    CheckIn.objects.filter(pk=concern.pk).update(created_at=days_ago(2.5))
    report = Report.objects.create(reporter=active.newcomer, reported=active.mentor, text="x")
    Report.objects.filter(pk=report.pk).update(created_at=days_ago(40))

    numbers = selectors.safety(PERIOD, NOW)

    assert numbers["holds"] == {"count": 2, "median_days": 2.0, "longest_days": 3.0}
    assert numbers["concerns"] == {"count": 1, "median_days": 2.5, "longest_days": 2.5}
    assert numbers["reports"] == {"count": 1, "median_days": 40.0, "longest_days": 40.0}
    assert numbers["weekly"]["holds"] == [0, 0, 1, 2]
    assert numbers["weekly"]["reports"] == [0, 0, 0, 0]  # raised before the period


def test_steps_use_counts_members_and_how_check_ins_marked_their_steps():
    first, second, retired_only = NewcomerFactory(), NewcomerFactory(), NewcomerFactory()
    kept = Step.objects.create(member=first, text="Walk after dinner")
    Step.objects.create(member=second, text="Call my sister")
    Step.objects.create(member=retired_only, text="Old", retired_at=days_ago(3))
    for answer, source, days in [
        ("went_well", "check_in", 1),
        ("went_well", "check_in", 8),
        ("partly", "check_in", 8),
        ("not_this_week", "check_in", 15),
        ("went_well", "steps_page", 1),  # not from a check-in
        ("went_well", "check_in", 40),  # before the period
    ]:
        StepAnswer.objects.create(
            step=kept, answer=answer, source=source, recorded_at=days_ago(days)
        )

    numbers = selectors.steps(PERIOD)

    assert numbers["members_with_steps"] == 2
    assert numbers["marked_in_checkins"] == 4
    assert (numbers["went_well"], numbers["partly"], numbers["not_this_week"]) == (2, 1, 1)
    assert numbers["kept_share"] == 0.5
    assert numbers["weekly"]["went_well"] == [0, 0, 1, 1]


def recovery_version(thresholds=(47,)):
    instrument = Instrument.objects.create(name="Ten statements")
    version = InstrumentVersion.objects.create(
        instrument=instrument, number=1, status="live", scale_min=1, scale_max=6
    )
    for value in thresholds:
        Threshold.objects.create(version=version, value=value, meaning="Sustained remission")
    return version


def answered(member, version, score, days):
    return RecoveryCheck.objects.create(
        member=member,
        version=version,
        score=score,
        idempotency_key=f"{member.pk}-{days}",
        taken_at=days_ago(days),
    )


def test_the_recovery_check_gives_the_median_change_and_share_above_each_threshold():
    version = recovery_version()
    people = [NewcomerFactory() for _ in range(4)]
    for member, (first, latest) in zip(people, [(30, 50), (40, 40), (45, 48)], strict=False):
        answered(member, version, first, 100)
        answered(member, version, latest, 10)
    answered(people[3], version, 20, 10)

    [outcome] = selectors.recovery()

    assert outcome["instrument"] == "Ten statements"
    assert outcome["members"] == 4
    assert outcome["members_with_two_or_more"] == 3
    assert outcome["median_change"] == 3  # changes 20, 0 and 3
    assert outcome["thresholds"] == [{"value": 47, "meaning": "Sustained remission", "share": 0.5}]


def test_programme_numbers_gather_every_part_for_the_period():
    signed_up(NewcomerFactory(), 2)
    numbers = selectors.programme_numbers(period=PERIOD, now=NOW)
    assert numbers["period"]["weeks"] == PERIOD.weeks
    assert numbers["window_days"] == 28
    assert numbers["waiting"]["count"] == 1
    assert numbers["members"]["newcomer"] == {"total": 1}
    assert set(numbers) >= {"requests", "matches", "checkins", "mentors", "safety", "steps"}


# --- The funder CSV ---------------------------------------------------------------------


def test_a_pairing_row_holds_codes_dates_counts_and_pseudonyms_only():
    newcomer = NewcomerFactory(display_name="Rosalind")
    ended = match(
        MatchState.ENDED,
        newcomer=newcomer,
        decided=20,
        ended=6,
        ended_by=EndedBy.NEWCOMER,
        end_reason="We moved to Leeds, call me on 555-0100",
        origin=MatchOrigin.REQUEST,
        score=0.82,
    )
    Match.objects.filter(pk=ended.pk).update(created_at=days_ago(21))
    CheckIn.objects.create(match=ended, author=newcomer, connected="yes", note="Private words")
    Reminder.objects.create(match=ended, recipient=newcomer, slot=0, due_at=days_ago(13))
    Reminder.objects.create(match=ended, recipient=ended.mentor, slot=0, due_at=days_ago(13))
    closed_before = match(MatchState.DECLINED, decided=50)
    Match.objects.filter(pk=closed_before.pk).update(created_at=days_ago(51))

    [row] = list(selectors.pairing_rows(PERIOD, key="export-one", now=NOW))
    record = dict(zip(selectors.PAIRING_COLUMNS, row, strict=True))

    assert record["state"] == "ended"
    assert record["origin"] == "request"
    assert (record["created_on"], record["decided_on"], record["ended_on"]) == (
        "2026-05-25",
        "2026-05-26",
        "2026-06-09",
    )
    assert record["end_reason"] == "newcomer"
    assert record["weeks_active"] == 2
    assert (record["checkins_done"], record["checkins_due"]) == (1, 2)
    assert record["score_band"] == "high"
    text = " ".join(str(value) for value in row)
    for secret in ("Rosalind", "Leeds", "555", "Private"):
        assert secret not in text
    assert record["newcomer"].startswith("newcomer-") and record["mentor"].startswith("mentor-")


def test_pseudonyms_hold_within_one_export_and_change_across_exports():
    assert selectors.pseudonym("mentor", 7, "a") == selectors.pseudonym("mentor", 7, "a")
    assert selectors.pseudonym("mentor", 7, "a") != selectors.pseudonym("mentor", 7, "b")
    assert selectors.pseudonym("mentor", 7, "a") != selectors.pseudonym("mentor", 8, "a")


def test_an_answer_row_gives_weeks_since_the_first_answer_and_the_threshold_band():
    version = recovery_version(thresholds=(30, 47))
    member = NewcomerFactory()
    answered(member, version, 28, 100)  # before the period: only its date counts
    answered(member, version, 50, 2)
    other = NewcomerFactory()
    answered(other, version, 35, 3)

    rows = [
        dict(zip(selectors.ANSWER_COLUMNS, row, strict=True))
        for row in selectors.answer_rows(PERIOD, key="k")
    ]

    assert [
        (r["weeks_since_first_answer"], r["total_score"], r["threshold_band"]) for r in rows
    ] == [
        (0, 35, "30 to 46"),
        (14, 50, "47 and above"),
    ]
    assert rows[0]["instrument"] == "Ten statements" and rows[0]["version"] == 1
    assert rows[0]["member"] != rows[1]["member"]


def test_score_and_threshold_bands():
    assert [selectors.score_band(s) for s in (0.9, 0.7, 0.5, 0.1)] == [
        "high",
        "high",
        "medium",
        "low",
    ]
    assert selectors.threshold_band(10, [47]) == "below 47"
    assert selectors.threshold_band(47, [47]) == "47 and above"
    assert selectors.threshold_band(10, []) == ""
