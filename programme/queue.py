"""What needs a person: one queue of holds, concerns, missed check-ins, reports,
requests about to expire or waiting for approval, newcomers nobody matched and
mentors waiting to be vetted, oldest first, each with one action.

A row names its members by display name only, as staff lists do; the action
opens the admin page that asks why before it shows the record (the reason
step, `audit.admin.AuditedReads`), preselecting the likely reason.

The queue runs a fixed number of queries whatever the number of items: one
or two per kind for the rows, one per kind for its count.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.timesince import timesince

from audit.models import ReadReason, RecordPart
from checkins import selectors as checkin_selectors
from matching import selectors as matching_selectors
from matching.models import Match, MatchState, Report, ReportStatus
from members.models import Member, Role, VettingStatus
from safety.models import HelpRequest, HoldReason

# A request the mentor has not answered is listed this long before it expires.
EXPIRING_WITHIN = datetime.timedelta(hours=24)
# Rows per kind on the whole queue, and on one kind's own list.
SHOWN_PER_KIND = 20
SHOWN_OF_ONE_KIND = 200


class Kind:
    HOLD = "hold"
    CONCERN = "concern"
    MISSED_CHECKINS = "missed_checkins"
    REPORT = "report"
    REQUEST = "request"
    UNMATCHED = "unmatched"
    VETTING = "vetting"

    labels = {
        HOLD: "Holds",
        CONCERN: "Check-in concerns",
        MISSED_CHECKINS: "Missed check-ins",
        REPORT: "Reports",
        REQUEST: "Requests to move on",
        UNMATCHED: "Newcomers nobody matched",
        VETTING: "Mentors to vet",
    }
    values = list(labels)


# What a row shows of each of its members, for the audit of a list that shows them.
READ_PARTS = {
    Kind.HOLD: [RecordPart.HOLD],
    Kind.CONCERN: [RecordPart.CONCERN],
    Kind.MISSED_CHECKINS: [RecordPart.MATCH, RecordPart.CHECK_INS],
    Kind.REPORT: [RecordPart.REPORT],
    Kind.REQUEST: [RecordPart.MATCH],
    Kind.UNMATCHED: [RecordPart.PROFILE],
    Kind.VETTING: [RecordPart.PROFILE],
}


@dataclass(frozen=True)
class Person:
    """A member as a staff list shows them: their display name, nothing more."""

    id: int
    display_name: str


@dataclass(frozen=True)
class Action:
    url: str
    label: str


@dataclass(frozen=True)
class Item:
    kind: str
    object_id: int  # the hold, check-in, match, report or member the action opens
    since: datetime.datetime
    reason: str
    members: tuple[Person, ...]
    action: Action

    @property
    def kind_label(self) -> str:
        return Kind.labels[self.kind]

    @property
    def member_ids(self) -> list[int]:
        return [person.id for person in self.members]


@dataclass(frozen=True)
class KindSummary:
    kind: str
    label: str
    count: int
    shown: int
    more_url: str

    @property
    def more(self) -> int:
        return self.count - self.shown


@dataclass(frozen=True)
class Queue:
    items: list[Item]  # oldest first
    kinds: list[KindSummary] = field(default_factory=list)  # every kind, in Kind order

    @property
    def total(self) -> int:
        return sum(summary.count for summary in self.kinds)

    @property
    def with_more(self) -> list[KindSummary]:
        """The kinds with more items than the queue lists."""
        return [summary for summary in self.kinds if summary.more > 0]

    def count_of(self, kind: str) -> int:
        return next(summary.count for summary in self.kinds if summary.kind == kind)


def _person(member: Member) -> Person:
    return Person(id=member.pk, display_name=member.display_name)


def _open(admin_url_name: str, object_id: int, label: str, reason: str) -> Action:
    url = reverse(admin_url_name, args=[object_id]) + "?" + urlencode({"reason": reason})
    return Action(url=url, label=label)


def _waited(since: datetime.datetime, now: datetime.datetime) -> str:
    """Return how long from `since` to `now`, roughly, in words ("2 weeks")."""
    return timesince(since, now, depth=1).replace("\xa0", " ")


def _take(queryset: QuerySet, limit: int, to_item: Callable[[Model], Item]) -> tuple[list, int]:
    """Return up to `limit` rows of `queryset` as items, and how many rows it has."""
    rows = [to_item(row) for row in queryset[:limit]] if limit else []
    return rows, queryset.count()


# --- One function per kind: (up to `limit` items, oldest first; how many in all) -----

HOLD_REASONS = {
    HoldReason.HELP_NOW: "Asked for help now; held out of matching",
    HoldReason.CHECKIN_CONCERN: "Held out of matching after a concern in a check-in",
    HoldReason.PEER_CONCERN: "Held out of matching: their peer told staff about a message",
}


def _holds(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    holds = (
        HelpRequest.objects.filter(cleared_at=None)
        .select_related("member")
        .only("reason", "created_at", "member__display_name")
        .order_by("created_at", "pk")
    )
    return _take(
        holds,
        limit,
        lambda hold: Item(
            kind=Kind.HOLD,
            object_id=hold.pk,
            since=hold.created_at,
            reason=HOLD_REASONS.get(hold.reason, "Held out of matching"),
            members=(_person(hold.member),),
            action=_open(
                "admin:safety_helprequest_change", hold.pk, "Open the hold", ReadReason.SAFETY
            ),
        ),
    )


def _pair(match: Match) -> tuple[Person, ...]:
    return (_person(match.newcomer), _person(match.mentor))


PAIR_FIELDS = ("newcomer__display_name", "mentor__display_name")


def _concerns(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    concerns = (
        checkin_selectors.open_concerns()
        .select_related("match__newcomer", "match__mentor")
        .only("created_at", "author_id", "match_id", *(f"match__{name}" for name in PAIR_FIELDS))
    )
    return _take(
        concerns,
        limit,
        lambda checkin: Item(
            kind=Kind.CONCERN,
            object_id=checkin.pk,
            since=checkin.created_at,
            reason=(
                "The newcomer raised a concern in a check-in"
                if checkin.author_id == checkin.match.newcomer_id
                else "The mentor raised a concern in a check-in"
            ),
            members=_pair(checkin.match),
            action=_open(
                "admin:checkins_checkin_change",
                checkin.pk,
                "Open the check-in to acknowledge",
                ReadReason.SAFETY,
            ),
        ),
    )


def _missed_checkins(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    flagged = checkin_selectors.matches_missing_checkins(now=now)
    items = [
        Item(
            kind=Kind.MISSED_CHECKINS,
            object_id=missed.match.pk,
            since=missed.since,
            reason=f"{missed.missed} check-ins missed in a row",
            members=_pair(missed.match),
            action=_open(
                "admin:matching_match_change", missed.match.pk, "Open the match", ReadReason.MATCH
            ),
        )
        for missed in flagged[:limit]
    ]
    return items, len(flagged)


ROLE_WORDS = {Role.NEWCOMER: "newcomer", Role.MENTOR: "mentor"}


def _report_reason(report: Report) -> str:
    """Say who reported whom by role: the row names them, reporter first."""
    return f"A {ROLE_WORDS[report.reporter.role]} reported a {ROLE_WORDS[report.reported.role]}"


def _reports(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    reports = (
        Report.objects.filter(status=ReportStatus.OPEN)
        .select_related("reporter", "reported")
        .only(
            "created_at",
            "reporter__display_name",
            "reporter__role",
            "reported__display_name",
            "reported__role",
        )
        .order_by("created_at", "pk")
    )
    return _take(
        reports,
        limit,
        lambda report: Item(
            kind=Kind.REPORT,
            object_id=report.pk,
            since=report.created_at,
            reason=_report_reason(report),
            members=(_person(report.reporter), _person(report.reported)),
            action=_open(
                "admin:matching_report_change", report.pk, "Open the report", ReadReason.SAFETY
            ),
        ),
    )


def _request_reason(match: Match, now: datetime.datetime) -> str:
    if match.state == MatchState.PENDING_APPROVAL:
        return "Waiting for staff to approve the pairing"
    left = _waited(now, match.expires_at)
    return f"The mentor has not answered; the request expires in {left}"


def _requests(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    expiring = Match.objects.filter(
        state=MatchState.AWAITING_MENTOR,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRING_WITHIN,
    )
    waiting_for_staff = Match.objects.filter(state=MatchState.PENDING_APPROVAL)
    requests = (
        (expiring | waiting_for_staff)
        .select_related("newcomer", "mentor")
        .only("state", "created_at", "sent_to_mentor_at", "expires_at", *PAIR_FIELDS)
        .annotate(waiting_since=Coalesce("sent_to_mentor_at", "created_at"))
        .order_by("waiting_since", "pk")
    )
    return _take(
        requests,
        limit,
        lambda match: Item(
            kind=Kind.REQUEST,
            object_id=match.pk,
            since=match.waiting_since,
            reason=_request_reason(match, now),
            members=_pair(match),
            action=_open(
                "admin:matching_match_change", match.pk, "Open the request", ReadReason.MATCH
            ),
        ),
    )


RAN_OUT = {
    MatchState.DECLINED: "their last request was declined",
    MatchState.EXPIRED: "their last request expired",
    MatchState.REJECTED: "their last pairing was not approved",
}


def _unmatched_reason(member: Member, now: datetime.datetime) -> str:
    words = f"Waiting {_waited(member.onboarded_at, now)}"
    if member.last_match_state in RAN_OUT:
        words += f"; {RAN_OUT[member.last_match_state]}"
    if member.held_for_review:
        words += "; held for review, so nobody can be matched with them yet"
    return words


def _unmatched(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    last_match = Match.objects.filter(newcomer=OuterRef("pk")).order_by("-created_at", "-pk")
    newcomers = (
        matching_selectors.unmatched_queue()
        .select_related(None)
        .only("display_name", "onboarded_at", "held_for_review")
        .annotate(last_match_state=Subquery(last_match.values("state")[:1]))
        .order_by("onboarded_at", "pk")
    )
    return _take(
        newcomers,
        limit,
        lambda member: Item(
            kind=Kind.UNMATCHED,
            object_id=member.pk,
            since=member.onboarded_at,
            reason=_unmatched_reason(member, now),
            members=(_person(member),),
            action=_open(
                "admin:members_member_change", member.pk, "Open the newcomer", ReadReason.MATCH
            ),
        ),
    )


def mentors_to_vet() -> QuerySet[Member]:
    """Return the mentors who finished signing up and wait for staff to vet them."""
    return Member.objects.filter(
        role=Role.MENTOR,
        vetting_status=VettingStatus.PENDING,
        onboarded_at__isnull=False,
        user__is_active=True,
        deleted_at__isnull=True,
    )


def _vetting(now: datetime.datetime, limit: int) -> tuple[list[Item], int]:
    mentors = mentors_to_vet().only("display_name", "onboarded_at").order_by("onboarded_at", "pk")
    return _take(
        mentors,
        limit,
        lambda mentor: Item(
            kind=Kind.VETTING,
            object_id=mentor.pk,
            since=mentor.onboarded_at,
            reason=f"Signed up as a mentor {_waited(mentor.onboarded_at, now)} ago",
            members=(_person(mentor),),
            action=_open(
                "admin:members_member_change",
                mentor.pk,
                "Open the mentor to vet",
                ReadReason.VETTING,
            ),
        ),
    )


KINDS = {
    Kind.HOLD: _holds,
    Kind.CONCERN: _concerns,
    Kind.MISSED_CHECKINS: _missed_checkins,
    Kind.REPORT: _reports,
    Kind.REQUEST: _requests,
    Kind.UNMATCHED: _unmatched,
    Kind.VETTING: _vetting,
}

# Where every row of a kind can be seen, past the queue's cap.
FULL_LISTS = {
    Kind.HOLD: ("admin:safety_helprequest_changelist", "hold=open"),
    Kind.CONCERN: ("admin:checkins_checkin_changelist", "concern_state=open"),
    Kind.MISSED_CHECKINS: ("admin:matching_match_changelist", "state__exact=active"),
    Kind.REPORT: ("admin:matching_report_changelist", "status__exact=open"),
    Kind.REQUEST: ("admin:matching_match_changelist", "state__exact=awaiting_mentor"),
    Kind.UNMATCHED: ("admin:matching_match_queue", ""),
    Kind.VETTING: ("admin:members_member_changelist", "vetting_status__exact=pending"),
}


def _more_url(kind: str, *, only_kind: bool) -> str:
    if not only_kind:
        return reverse("programme:queue") + "?" + urlencode({"kind": kind})
    name, query = FULL_LISTS[kind]
    return reverse(name) + ("?" + query if query else "")


def needs_a_person(
    *,
    kind: str | None = None,
    limit: int | None = None,
    now: datetime.datetime | None = None,
) -> Queue:
    """Return what needs a person, oldest first, with the count of every kind.

    `kind` keeps only the items of that kind (the counts stay for all kinds).
    Each kind lists at most `limit` items: by default `SHOWN_PER_KIND`, or
    `SHOWN_OF_ONE_KIND` when one kind is asked for.
    """
    now = now or timezone.now()
    if limit is None:
        limit = SHOWN_PER_KIND if kind is None else SHOWN_OF_ONE_KIND
    items: list[Item] = []
    summaries = []
    for name, load in KINDS.items():
        wanted = kind is None or kind == name
        rows, count = load(now, limit if wanted else 0)
        items.extend(rows)
        summaries.append(
            KindSummary(
                kind=name,
                label=Kind.labels[name],
                count=count,
                shown=len(rows) if wanted else count,
                more_url=_more_url(name, only_kind=kind is not None),
            )
        )
    order = {name: index for index, name in enumerate(KINDS)}
    items.sort(key=lambda item: (item.since, order[item.kind], item.object_id))
    return Queue(items=items, kinds=summaries)


def every_item(*, kind: str | None = None, now: datetime.datetime | None = None) -> list[Item]:
    """Return every item, oldest first, none left out: for the API, which pages them."""
    return needs_a_person(kind=kind, limit=EVERY, now=now).items


# Large enough to mean "no cap" in a slice.
EVERY = 10**9
