"""The programme's numbers for a period: counts and medians only, never a member's data.

One selector, `programme_numbers`, serves the dashboard, its printable summary
and the staff reporting API; `pairing_rows` and `answer_rows` serve the funder
CSV. Every number is defined in docs/reporting.md. Each part runs a fixed
number of queries whatever the size of the programme: counts are grouped by day
in the database and summed into weeks here.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import statistics
from collections.abc import Iterator

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from checkins.models import CheckIn, Reminder, ReminderState
from matching import selectors as matching_selectors
from matching.models import (
    CLOSED_STATES,
    REQUEST_STATES,
    DeclineReason,
    EndedBy,
    Match,
    MatchState,
    Report,
    ReportStatus,
)
from members.models import Member, Role, VettingStatus
from recovery import selectors as recovery_selectors
from recovery.models import RecoveryCheck, Threshold
from safety.models import HelpRequest
from steps.models import Answer as StepAnswerKind
from steps.models import AnswerSource, Step, StepAnswer

from .periods import Period, days_between, median, percentile, share

# A mentor with room who has not been asked for this long is "not asked for a month".
NOT_ASKED_DAYS = 30
# A request the mentor accepted: the match started, and may since have ended.
ACCEPTED_STATES = [MatchState.ACTIVE, MatchState.ENDED]
# A mentor's first response to a request: they accepted or declined it.
ANSWERED_STATES = [MatchState.ACTIVE, MatchState.ENDED, MatchState.DECLINED]


def bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the period as [start, end) instants in the programme's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def weekly_counts(
    queryset: QuerySet, field: str, period: Period, *, by: str | None = None
) -> dict[str, list[int]]:
    """Count rows of `queryset` per week of `period` by the date of `field`, in one query;
    with `by`, one list per value of that column (the whole count under "")."""
    start, end = bounds(period)
    columns = ["day", by] if by else ["day"]
    rows = (
        queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(day=TruncDate(field))
        .values(*columns)
        .annotate(count=Count("pk"))
        .order_by()
    )
    per_key: dict[str, list[tuple[datetime.date, int]]] = {}
    for row in rows:
        per_key.setdefault(row[by] if by else "", []).append((row["day"], row["count"]))
    return {key: period.weekly(days) for key, days in per_key.items()}


def _series(counts: dict[str, list[int]], key: str, period: Period) -> list[int]:
    return counts.get(key) or [0] * len(period.weeks)


def _waits(created: list[datetime.datetime], now: datetime.datetime) -> dict:
    days = [days_between(moment, now) for moment in created]
    return {
        "count": len(days),
        "median_days": median(days),
        "longest_days": round(max(days), 1) if days else None,
    }


# --- Members and legacy totals -----------------------------------------------------


def members_by_role_and_vetting() -> dict[str, dict[str, int]]:
    """Members who have not deleted their account, by role; mentors also by vetting status."""
    counts = {role: {"total": 0} for role in Role.values}
    counts[Role.MENTOR].update(dict.fromkeys(VettingStatus.values, 0))
    rows = (
        Member.objects.filter(deleted_at=None)
        .values("role", "vetting_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        by_role = counts.setdefault(row["role"], {"total": 0})
        by_role["total"] += row["count"]
        if row["role"] == Role.MENTOR:
            by_role[row["vetting_status"]] = by_role.get(row["vetting_status"], 0) + row["count"]
    return counts


def median_hours_to_first_response(period: Period) -> float | None:
    """Median hours from a request reaching a mentor to their answer, over answers in
    the period; None when there were none."""
    start, end = bounds(period)
    rows = Match.objects.filter(
        state__in=ANSWERED_STATES,
        sent_to_mentor_at__isnull=False,
        decided_at__gte=start,
        decided_at__lt=end,
    ).values_list("sent_to_mentor_at", "decided_at")
    hours = [(decided - sent).total_seconds() / 3600 for sent, decided in rows if decided >= sent]
    return round(statistics.median(hours), 2) if hours else None


# --- Waiting and matching ----------------------------------------------------------


def waiting(now: datetime.datetime) -> dict:
    """Newcomers waiting now (`matching.selectors.newcomers_waiting`), and for how long:
    since they signed up, or since their last match ended if it ended later."""
    last_ended = (
        Match.objects.filter(newcomer=OuterRef("pk"), state=MatchState.ENDED)
        .order_by("-ended_at")
        .values("ended_at")[:1]
    )
    rows = (
        matching_selectors.newcomers_waiting()
        .annotate(last_ended=Subquery(last_ended))
        .values_list("created_at", "last_ended")
        .order_by()
    )
    return _waits([max(signed_up, ended or signed_up) for signed_up, ended in rows], now)


def time_to_match(period: Period) -> dict:
    """Newcomers whose first match started in the period, and the days from sign-up to it."""
    start, end = bounds(period)
    rows = list(
        Match.objects.filter(state__in=ACCEPTED_STATES, decided_at__isnull=False)
        .values("newcomer_id")
        .annotate(first=Min("decided_at"), signed_up=Min("newcomer__created_at"))
        .filter(first__gte=start, first__lt=end)
        .values_list("first", "signed_up")
        .order_by()
    )
    days = [days_between(signed_up, first) for first, signed_up in rows]
    local = timezone.get_current_timezone()
    return {
        "matched": len(days),
        "median_days": median(days),
        "p90_days": percentile(days, 0.9),
        "weekly": period.weekly((first.astimezone(local).date(), 1) for first, _ in rows),
    }


def requests(period: Period) -> dict:
    """Requests mentors accepted, declined and that expired unanswered, by the week they
    were decided; decline reasons as codes."""
    decided = Match.objects.filter(
        state__in=[*ACCEPTED_STATES, MatchState.DECLINED, MatchState.EXPIRED]
    )
    by_state = weekly_counts(decided, "decided_at", period, by="state")
    accepted = [
        sum(week)
        for week in zip(*(_series(by_state, s, period) for s in ACCEPTED_STATES), strict=True)
    ]
    declined = _series(by_state, MatchState.DECLINED, period)
    expired = _series(by_state, MatchState.EXPIRED, period)
    reasons = weekly_counts(
        Match.objects.filter(state=MatchState.DECLINED), "decided_at", period, by="decline_reason"
    )
    return {
        "accepted": sum(accepted),
        "declined": sum(declined),
        "expired": sum(expired),
        "decline_reasons": {
            code: sum(_series(reasons, code, period)) for code in DeclineReason.values
        },
        "median_hours_to_first_response": median_hours_to_first_response(period),
        "weekly": {"accepted": accepted, "declined": declined, "expired": expired},
    }


def matches(period: Period, now: datetime.datetime) -> dict:
    """Active matches now and at the end of each week, and matches ended, by who ended them."""
    # The instant each week closes (midnight after its last day), or now for the week under way.
    week_ends = [min(bounds(Period(day, day))[1], now) for day in period.week_ends()]
    started = Q(state__in=ACCEPTED_STATES, decided_at__isnull=False)
    active_at = {
        f"week{index}": Count(
            "pk",
            filter=started
            & Q(decided_at__lt=moment)
            & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment)),
        )
        for index, moment in enumerate(week_ends)
    }
    counts = Match.objects.aggregate(
        active=Count("pk", filter=Q(state=MatchState.ACTIVE)),
        open_requests=Count("pk", filter=Q(state__in=REQUEST_STATES)),
        **active_at,
    )
    ended = weekly_counts(
        Match.objects.filter(state=MatchState.ENDED), "ended_at", period, by="ended_by"
    )
    ended_weekly = [sum(week) for week in zip(*ended.values(), strict=True)] or [0] * len(
        period.weeks
    )
    return {
        "active": counts["active"],
        "open_requests": counts["open_requests"],
        "ended": sum(ended_weekly),
        "ended_by": {code: sum(_series(ended, code, period)) for code in EndedBy.values},
        "weekly": {
            "active": [counts[f"week{index}"] for index in range(len(week_ends))],
            "ended": ended_weekly,
        },
    }


def checkins(period: Period) -> dict:
    """Check-ins recorded against check-in reminders that fell due, per week."""
    done = _series(weekly_counts(CheckIn.objects.all(), "created_at", period), "", period)
    due = _series(
        weekly_counts(Reminder.objects.exclude(state=ReminderState.SKIPPED), "due_at", period),
        "",
        period,
    )
    return {
        "done": sum(done),
        "due": sum(due),
        "completion": min(share(sum(done), sum(due)) or 0, 1.0) if sum(due) else None,
        "weekly": {"done": done, "due": due},
    }


def mentors(now: datetime.datetime) -> dict:
    """Mentors who may be asked (`matching.selectors.mentor_pool`): their load against
    capacity (the places their active matches fill, `Places.FILLED`), and those with
    room nobody asked for a month."""
    cutoff = now - datetime.timedelta(days=NOT_ASKED_DAYS)
    rows = (
        matching_selectors.with_places(
            matching_selectors.mentor_pool(), taken_by=matching_selectors.Places.FILLED
        )
        .annotate(last_asked=Max("matches_as_mentor__sent_to_mentor_at"))
        .values_list("capacity", "places_taken", "last_asked")
        .order_by()
    )
    capacity = used = full = with_room = not_asked = 0
    count = 0
    for mentor_capacity, active, last_asked in rows:
        count += 1
        capacity += mentor_capacity
        used += min(active, mentor_capacity)
        if active >= mentor_capacity:
            full += 1
            continue
        with_room += 1
        if last_asked is None or last_asked < cutoff:
            not_asked += 1
    return {
        "available": count,
        "capacity": capacity,
        "places_taken": used,
        "load": share(used, capacity),
        "full": full,
        "with_room": with_room,
        "with_room_not_asked_for_a_month": not_asked,
    }


def safety(period: Period, now: datetime.datetime) -> dict:
    """Open holds, check-in concerns and reports, how long each has waited, and how many
    were raised per week."""
    holds = HelpRequest.objects.all()
    concerns = CheckIn.objects.filter(concern=True)
    reports = Report.objects.all()
    open_rows = {
        "holds": holds.filter(cleared_at=None),
        "concerns": concerns.filter(concern_acknowledged_at=None),
        "reports": reports.filter(status=ReportStatus.OPEN),
    }
    numbers = {
        name: _waits(list(rows.values_list("created_at", flat=True).order_by()), now)
        for name, rows in open_rows.items()
    }
    numbers["weekly"] = {
        name: _series(weekly_counts(rows, "created_at", period), "", period)
        for name, rows in (("holds", holds), ("concerns", concerns), ("reports", reports))
    }
    return numbers


def steps(period: Period) -> dict:
    """How many members have active steps, and how check-ins in the period marked them."""
    members_with_steps = (
        Step.objects.filter(retired_at=None, member__deleted_at=None)
        .values("member_id")
        .distinct()
        .count()
    )
    answers = weekly_counts(
        StepAnswer.objects.filter(source=AnswerSource.CHECK_IN), "recorded_at", period, by="answer"
    )
    weekly = {code: _series(answers, code, period) for code in StepAnswerKind.values}
    totals = {code: sum(counts) for code, counts in weekly.items()}
    marked = sum(totals.values())
    return {
        "members_with_steps": members_with_steps,
        "marked_in_checkins": marked,
        **totals,
        "kept_share": share(totals[StepAnswerKind.WENT_WELL], marked),
        "weekly": weekly,
    }


def recovery() -> list[dict]:
    """Per instrument version: members, the median change first → latest, and the share
    of members whose latest total is at or above each threshold (all answers to date)."""
    return [
        {
            "instrument": outcome.version.instrument.name,
            "version": outcome.version.number,
            "version_id": outcome.version.pk,
            "members": outcome.members,
            "members_with_two_or_more": outcome.members_with_two_or_more,
            "median_change": outcome.median_change,
            "thresholds": [
                {"value": value, "meaning": meaning, "share": round(above, 3)}
                for value, meaning, above in outcome.above_thresholds
            ],
        }
        for outcome in recovery_selectors.outcomes_by_version()
    ]


def programme_numbers(*, period: Period, now: datetime.datetime | None = None) -> dict:
    """Return every number of the dashboard for `period`: counts and medians, nobody's data."""
    now = now or timezone.now()
    request_numbers = requests(period)
    match_numbers = matches(period, now)
    checkin_numbers = checkins(period)
    return {
        "generated_at": now,
        "period": {
            "start": period.start,
            "end": period.end,
            "days": period.days,
            "weeks": period.weeks,
        },
        # The reporting API's first numbers, kept under their names; "window" is the period.
        "window_days": period.days,
        "open_requests": match_numbers["open_requests"],
        "active_matches": match_numbers["active"],
        "matches_ended_in_window": match_numbers["ended"],
        "median_hours_to_first_response": request_numbers["median_hours_to_first_response"],
        "checkins_in_window": checkin_numbers["done"],
        "members": members_by_role_and_vetting(),
        "waiting": waiting(now),
        "time_to_match": time_to_match(period),
        "requests": request_numbers,
        "matches": match_numbers,
        "checkins": checkin_numbers,
        "mentors": mentors(now),
        "safety": safety(period, now),
        "steps": steps(period),
        "recovery": recovery(),
    }


# --- The funder CSV ----------------------------------------------------------------


def pseudonym(kind: str, pk: int, key: str) -> str:
    """Return a pseudonym for row `pk` that is the same within one export (`key`, a
    random secret) and different across exports, so exports cannot be joined on it."""
    digest = hashlib.blake2b(f"{kind}:{pk}".encode(), key=key.encode(), digest_size=6)
    return f"{kind}-{digest.hexdigest()}"


PAIRING_COLUMNS = [
    "match",
    "newcomer",
    "mentor",
    "state",
    "origin",
    "created_on",
    "decided_on",
    "ended_on",
    "end_reason",
    "decline_reason",
    "weeks_active",
    "checkins_done",
    "checkins_due",
    "score_band",
]
ANSWER_COLUMNS = [
    "answer",
    "member",
    "instrument",
    "version",
    "weeks_since_first_answer",
    "total_score",
    "threshold_band",
]


def score_band(score: float | None) -> str:
    """A match score in words: "high" (0.7 and up), "medium" (0.4 and up) or "low"."""
    if score is None:
        return ""
    if score >= 0.7:
        return "high"
    if score >= 0.4:
        return "medium"
    return "low"


def _local_date(moment: datetime.datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _count_per_match(rows: QuerySet) -> Coalesce:
    """Count `rows` of the outer match, as a subquery: joining both check-ins and
    reminders to matches would multiply them."""
    counted = (
        rows.filter(match=OuterRef("pk")).order_by().values("match").annotate(count=Count("pk"))
    )
    return Coalesce(Subquery(counted.values("count")), 0)


def pairing_rows(period: Period, *, key: str, now: datetime.datetime | None = None) -> Iterator:
    """Yield one row (PAIRING_COLUMNS) per request or match open at some time in the
    period: codes, dates and counts only, people as per-export pseudonyms. One query."""
    now = now or timezone.now()
    start, end = bounds(period)
    closed_before = Q(state=MatchState.ENDED, ended_at__lt=start) | Q(
        state__in=[s for s in CLOSED_STATES if s != MatchState.ENDED], decided_at__lt=start
    )
    rows = (
        Match.objects.filter(created_at__lt=end)
        .exclude(closed_before)
        .annotate(
            checkins_done=_count_per_match(CheckIn.objects.all()),
            checkins_due=_count_per_match(
                Reminder.objects.filter(due_at__lte=now).exclude(state=ReminderState.SKIPPED)
            ),
        )
        .values_list(
            "pk",
            "newcomer_id",
            "mentor_id",
            "state",
            "origin",
            "created_at",
            "decided_at",
            "ended_at",
            "ended_by",
            "decline_reason",
            "score",
            "checkins_done",
            "checkins_due",
        )
        .order_by("created_at", "pk")
    )
    for (pk, newcomer_id, mentor_id, state, origin, created, decided, ended, ended_by,
         decline_reason, score, done, due) in rows.iterator(chunk_size=2000):  # fmt: skip
        weeks_active = ""
        if state in ACCEPTED_STATES and decided:
            weeks_active = int(days_between(decided, ended or now) // 7)
        yield [
            pseudonym("match", pk, key),
            pseudonym("newcomer", newcomer_id, key),
            pseudonym("mentor", mentor_id, key),
            state,
            origin,
            _local_date(created),
            _local_date(decided),
            _local_date(ended),
            ended_by,
            decline_reason,
            weeks_active,
            done,
            due,
            score_band(score),
        ]


def threshold_band(total: int, thresholds: list[int]) -> str:
    """Name where `total` sits among a version's thresholds: "below 47", "47 and above",
    or "30 to 46" between two; empty when the version has none."""
    if not thresholds:
        return ""
    ordered = sorted(thresholds)
    if total < ordered[0]:
        return f"below {ordered[0]}"
    for low, high in itertools.pairwise(ordered):
        if low <= total < high:
            return f"{low} to {high - 1}"
    return f"{ordered[-1]} and above"


def answer_rows(period: Period, *, key: str) -> Iterator:
    """Yield one row (ANSWER_COLUMNS) per recovery-check answer given in the period:
    the instrument, version, weeks since the member's first answer to that version,
    total and threshold band. Three queries."""
    start, end = bounds(period)
    thresholds: dict[int, list[int]] = {}
    for version_id, value in Threshold.objects.values_list("version_id", "value"):
        thresholds.setdefault(version_id, []).append(value)
    firsts = {
        (member_id, version_id): first
        for member_id, version_id, first in RecoveryCheck.objects.filter(
            taken_at__lt=end, member__deleted_at=None
        )
        .values("member_id", "version_id")
        .annotate(first=Min("taken_at"))
        .values_list("member_id", "version_id", "first")
        .order_by()
    }
    rows = (
        RecoveryCheck.objects.filter(taken_at__gte=start, taken_at__lt=end, member__deleted_at=None)
        .values_list(
            "pk",
            "member_id",
            "version_id",
            "version__instrument__name",
            "version__number",
            "taken_at",
            "score",
        )
        .order_by("taken_at", "pk")
    )
    for pk, member_id, version_id, instrument, number, taken_at, score in rows.iterator(
        chunk_size=2000
    ):
        first = firsts.get((member_id, version_id), taken_at)
        yield [
            pseudonym("answer", pk, key),
            pseudonym("member", member_id, key),
            instrument,
            number,
            int(days_between(first, taken_at) // 7),
            score,
            threshold_band(score, thresholds.get(version_id, [])),
        ]
