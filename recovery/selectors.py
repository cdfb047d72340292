"""Reads of the recovery check, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models import Max, Prefetch, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from members.models import Member
from peerlink.compiled import CompiledRows
from peerlink.ids import parse_id

from . import scoring
from .models import (
    DEFAULT_CADENCE_DAYS,
    Dismissal,
    InstrumentVersion,
    Item,
    RecoveryCheck,
    VersionStatus,
)


def live_versions() -> QuerySet[InstrumentVersion]:
    return InstrumentVersion.objects.filter(status=VersionStatus.LIVE)


def _newest(versions: QuerySet[InstrumentVersion]) -> InstrumentVersion | None:
    """Return the version members are asked now, of `versions` (live ones): the one
    made live most recently. They are few (one per instrument), so the newest is
    picked here: compiling an ORDER BY over a version's columns and annotations
    costs more than the query takes to run."""
    return max(versions.order_by(), key=attrgetter("made_live_at", "pk"), default=None)


def current_version() -> InstrumentVersion | None:
    """Return the version members are asked now, with its items."""
    return _newest(
        live_versions()
        .select_related("instrument")
        .prefetch_related(Prefetch("items", queryset=Item.objects.order_by("order", "pk")))
    )


def version_answered(value) -> InstrumentVersion | None:
    """Return the version a submitted form names (any status), or None."""
    version_id = parse_id(str(value)) if value else None
    if version_id is None:
        return None
    return (
        InstrumentVersion.objects.filter(pk=version_id)
        .prefetch_related(Prefetch("items", queryset=Item.objects.order_by("order", "pk")))
        .first()
    )


def version_for_preview(version_id: int) -> InstrumentVersion:
    return (
        InstrumentVersion.objects.select_related("instrument")
        .prefetch_related("items", "thresholds")
        .get(pk=version_id)
    )


def version_has_answers(version: InstrumentVersion) -> bool:
    return RecoveryCheck.objects.filter(version=version).exists()


@dataclass(frozen=True)
class CheckStatus:
    """Whether the recovery check is offered to a member now, and when they last met it."""

    version: InstrumentVersion | None
    due: bool
    last_taken: datetime.datetime | None
    last_dismissed: datetime.datetime | None
    every_days: int


def status_for(
    member: Member, *, version: InstrumentVersion | None = None, now=None
) -> CheckStatus:
    """Return whether the check is offered to `member` now (three queries; two with
    `version`). It is offered to newcomers; anyone may take it from its page."""
    version = version or current_version()
    dates = RecoveryCheck.objects.filter(member=member).aggregate(last=Max("taken_at"))
    dismissed = Dismissal.objects.filter(member=member).aggregate(last=Max("at"))
    every_days = version.instrument.cadence_days if version else DEFAULT_CADENCE_DAYS
    due = _offered(member, every_days if version else None, dates["last"], dismissed["last"], now)
    return CheckStatus(version, due, dates["last"], dismissed["last"], every_days)


def _offered(member, every_days, last_taken, last_dismissed, now=None) -> bool:
    """The rule: the check is offered to newcomers, while a version is live (its
    instrument's cadence `every_days`; None when none is), once that cadence has passed
    since they last took or dismissed it."""
    return (
        every_days is not None
        and member.is_newcomer
        and scoring.is_due(
            now=now or timezone.now(),
            last_taken=last_taken,
            last_dismissed=last_dismissed,
            every_days=every_days,
        )
    )


def offered_to(member: Member | None) -> bool:
    """Return whether to offer the check to `member` (on the check-in page, in reminders).

    The check is for newcomers, and it is only ever offered: never required.
    """
    if member is None or member.is_deleted:
        return False
    latest = _live_with_latest(member)
    return latest is not None and _offered(member, *latest)


def offered_to_each(members: list[Member], *, now=None) -> set[int]:
    """Return the ids of those among `members` to offer the check to now: `offered_to`
    for a batch (a batch of reminders), in three queries whatever its size."""
    newcomers = {m.pk for m in members if m is not None and not m.is_deleted and m.is_newcomer}
    if not newcomers:
        return set()
    version = _newest(live_versions().select_related("instrument"))
    if version is None:
        return set()
    taken = dict(
        RecoveryCheck.objects.filter(member_id__in=newcomers)
        .values("member_id")
        .annotate(last=Max("taken_at"))
        .values_list("member_id", "last")
    )
    dismissed = dict(
        Dismissal.objects.filter(member_id__in=newcomers)
        .values("member_id")
        .annotate(last=Max("at"))
        .values_list("member_id", "last")
    )
    now = now or timezone.now()
    return {
        member.pk
        for member in members
        if member is not None
        and member.pk in newcomers
        and _offered(
            member,
            version.instrument.cadence_days,
            taken.get(member.pk),
            dismissed.get(member.pk),
            now,
        )
    }


def _live_versions_with_latest(member: int):
    """Each live version's (made_live_at, id), its instrument's cadence, and when
    `member` last took the check and last dismissed it."""
    return (
        live_versions()
        .order_by()
        .values_list(
            "made_live_at",
            "pk",
            "instrument__cadence_days",
            Subquery(
                RecoveryCheck.objects.filter(member_id=member)
                .order_by("-taken_at")
                .values("taken_at")[:1]
            ),
            Subquery(Dismissal.objects.filter(member_id=member).order_by("-at").values("at")[:1]),
        )
    )


# Read on every member home: compiled once per process (peerlink.compiled).
_live_versions_with_latest_rows = CompiledRows(_live_versions_with_latest)


def _live_with_latest(member: Member) -> tuple | None:
    """Return (cadence in days, last taken, last dismissed) for the version members are
    asked now (the one made live most recently), in one query; None if none is live."""
    newest = max(_live_versions_with_latest_rows.rows(member=member.pk), default=None)
    return None if newest is None else newest[2:]


def home_summary(member, *, now=None) -> dict:
    """Return what the member's home page shows of the recovery check, in one query."""
    latest = _live_with_latest(member)
    if latest is None:
        return {"available": False, "due": False, "last_taken": None}
    return {
        "available": True,
        "due": _offered(member, *latest, now),
        "last_taken": latest[1],
        "check_url": reverse("recovery:check"),
        "trend_url": reverse("recovery:trend"),
    }


# --- The member's trend ------------------------------------------------------------


@dataclass
class TrendRow:
    taken_at: datetime.datetime
    score: int
    areas: list[tuple[str, int]]


@dataclass
class Trend:
    """A member's answers to one version, and what changed in words."""

    version: InstrumentVersion | None = None
    rows: list[TrendRow] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    # The same words for the page, under a heading each: since the first check, and
    # (with three or more) since the one before the latest.
    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    areas: list[tuple[str, str]] = field(default_factory=list)
    earlier_versions: int = 0
    chart_points: str = ""

    @property
    def count(self) -> int:
        return len(self.rows)


def trend_for(member: Member, *, now=None) -> Trend:
    """Return `member`'s trend on the version of their latest check, in one query.

    Answers to other versions are never compared with it: they are counted only.
    """
    now = timezone.localtime(now or timezone.now())
    checks = list(
        RecoveryCheck.objects.filter(member=member)
        .select_related("version__instrument")
        .order_by("taken_at", "pk")
    )
    if not checks:
        return Trend()
    version = checks[-1].version
    same = [check for check in checks if check.version_id == version.pk]
    earlier_versions = len({check.version_id for check in checks}) - 1
    area_names = [area for area in scoring.AREA_ORDER if area in same[-1].area_scores]
    rows = [
        TrendRow(
            timezone.localtime(check.taken_at),
            check.score,
            [(area, check.area_scores.get(area, 0)) for area in area_names],
        )
        for check in same
    ]
    points = [(row.taken_at, dict(row.areas)) for row in rows]
    sentences = scoring.trend_sentences(points, now=now)
    groups = []
    if len(points) > 1:
        groups.append(("Since your first check", sentences[: len(area_names)]))
    if len(points) > 2:
        groups.append(("Since your check before this one", sentences[len(area_names) :]))
    item_count = version.items.count() if len(rows) > 1 else 0
    low, high = scoring.score_range(item_count, version.scale_min, version.scale_max)
    return Trend(
        version=version,
        rows=rows,
        sentences=sentences,
        groups=groups,
        areas=[(area, area_label(area)) for area in area_names],
        earlier_versions=earlier_versions,
        chart_points=(
            scoring.chart_points([row.score for row in rows], low=low, high=high)
            if len(rows) > 1
            else ""
        ),
    )


def area_label(area: str) -> str:
    return scoring.AREA_SHORT.get(area, scoring.AREA_SHORT[""])


# --- Aggregates for staff ----------------------------------------------------------


@dataclass(frozen=True)
class VersionOutcome:
    """What changed across members on one version: no member is named."""

    version: InstrumentVersion
    members: int
    members_with_two_or_more: int
    median_change: float | None
    above_thresholds: list[tuple[int, str, float]]  # (value, meaning, share of members 0–1)


def outcomes_by_version() -> list[VersionOutcome]:
    """Return, per version with answers, the median change first → latest per member
    and the share of members whose latest total is at or above each threshold."""
    versions = {
        version.pk: version
        for version in InstrumentVersion.objects.filter(checks__isnull=False)
        .select_related("instrument")
        .prefetch_related("thresholds")
        .distinct()
    }
    first_and_latest: dict[tuple[int, int], list[int]] = {}
    for version_id, member_id, score in (
        RecoveryCheck.objects.filter(member__deleted_at__isnull=True)
        .order_by("taken_at", "pk")
        .values_list("version_id", "member_id", "score")
    ):
        scores = first_and_latest.setdefault((version_id, member_id), [score, score, 0])
        scores[1] = score
        scores[2] += 1
    outcomes = []
    for version_id, version in sorted(versions.items()):
        per_member = [s for (v, _), s in first_and_latest.items() if v == version_id]
        if not per_member:
            continue
        repeated = [(first, latest) for first, latest, count in per_member if count > 1]
        latest_scores = [latest for _, latest, _ in per_member]
        outcomes.append(
            VersionOutcome(
                version=version,
                members=len(per_member),
                members_with_two_or_more=len(repeated),
                median_change=scoring.median_change(repeated),
                above_thresholds=[
                    (
                        threshold.value,
                        threshold.meaning,
                        sum(score >= threshold.value for score in latest_scores)
                        / len(latest_scores),
                    )
                    for threshold in version.thresholds.all()
                ],
            )
        )
    return outcomes
