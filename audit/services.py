"""Writes to the audit trail. Rows are only ever added, except by the retention purge."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from matching.models import OPEN_STATES, Match
from members.visibility import peer_view

from .models import (
    Disclosure,
    ReadReason,
    RecordPart,
    ReportKind,
    ReportRead,
    StaffRead,
    years_before,
)


class AuditError(Exception):
    """An audit row that cannot be written as asked."""


def _id(member_or_id) -> int:
    return getattr(member_or_id, "pk", member_or_id)


def record_staff_read(user, member, parts, reason) -> StaffRead:
    """Record that staff `user` opened `member`'s record (a Member or its id), which
    `parts` of it (RecordPart codes) and why (a ReadReason)."""
    if reason not in ReadReason.values:
        raise AuditError(f"Unknown reason {reason!r}.")
    unknown = set(parts) - set(RecordPart.values)
    if unknown or not parts:
        raise AuditError(f"Unknown record parts {sorted(unknown)!r}.")
    return StaffRead.objects.create(
        staff_user_id=user.pk, member_id=_id(member), parts=list(parts), reason=reason
    )


def record_staff_reads(user, members, parts, reason) -> int:
    """Record one staff read per member in `members` (Members or ids) in one insert,
    for a list that shows several members' records; return how many rows."""
    if reason not in ReadReason.values:
        raise AuditError(f"Unknown reason {reason!r}.")
    unknown = set(parts) - set(RecordPart.values)
    if unknown or not parts:
        raise AuditError(f"Unknown record parts {sorted(unknown)!r}.")
    member_ids = sorted({_id(member) for member in members})
    StaffRead.objects.bulk_create(
        StaffRead(staff_user_id=user.pk, member_id=pk, parts=list(parts), reason=reason)
        for pk in member_ids
    )
    return len(member_ids)


def record_report_read(user, *, kind, start, end, rows=None) -> ReportRead:
    """Record that staff `user` read or exported a programme report (a ReportKind) for
    the period `start`–`end`: aggregate numbers name nobody, so no member id is kept."""
    if kind not in ReportKind.values:
        raise AuditError(f"Unknown report {kind!r}.")
    return ReportRead.objects.create(
        staff_user_id=getattr(user, "pk", None),
        kind=kind,
        period_start=start,
        period_end=end,
        rows=rows,
    )


def record_disclosures(member, viewer, match) -> list[str]:
    """Record each category of `member` that `viewer` (a peer) may see now, given `match`.

    A category already recorded for this pair keeps the time it first became
    visible. Return the categories visible now.
    """
    categories = peer_view(member, viewer=viewer, match=match).shown_categories()
    now = timezone.now()
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                member_id=member.pk,
                viewer_member_id=viewer.pk,
                category=category,
                match_id=getattr(match, "pk", None),
                first_visible_at=now,
            )
            for category in categories
        ],
        ignore_conflicts=True,
    )
    return categories


def record_disclosures_to_current_peers(member) -> None:
    """Record what peers in an open request or active match may see of `member` now,
    after the member chose to show more (a box ticked, a step shared)."""
    matches = Match.objects.filter(
        Q(newcomer=member) | Q(mentor=member), state__in=OPEN_STATES
    ).select_related("newcomer", "mentor")
    for match in matches:
        peer = match.mentor if match.newcomer_id == member.pk else match.newcomer
        record_disclosures(member, peer, match)


def record_match_disclosures(match) -> None:
    """Record what each side of `match` may now see of the other."""
    record_disclosures(match.newcomer, match.mentor, match)
    record_disclosures(match.mentor, match.newcomer, match)


def record_matches_disclosures(matches) -> int:
    """Record, in one insert, what each side of each of `matches` may now see of the other.

    The bulk form of `record_match_disclosures`, for requests created together
    (a batch run): each match needs its newcomer and mentor loaded. Return how
    many categories were visible.
    """
    now = timezone.now()
    rows = [
        Disclosure(
            member_id=member.pk,
            viewer_member_id=viewer.pk,
            category=category,
            match_id=match.pk,
            first_visible_at=now,
        )
        for match in matches
        for member, viewer in ((match.newcomer, match.mentor), (match.mentor, match.newcomer))
        for category in peer_view(member, viewer=viewer, match=match).shown_categories()
    ]
    Disclosure.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete audit rows older than the retention period; return how many."""
    cutoff = years_before(now or timezone.now(), settings.PEERLINK_AUDIT_RETENTION_YEARS)
    return (
        StaffRead.objects.purge_before(cutoff)
        + Disclosure.objects.purge_before(cutoff)
        + ReportRead.objects.purge_before(cutoff)
    )
