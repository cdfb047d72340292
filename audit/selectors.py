"""Reads of the audit trail: a member's own accounting of disclosures."""

import datetime

from django.db.models import Q
from django.utils import timezone

from matching.models import Match
from members.models import SHARING_CATEGORIES, STEP_CONSENT_CATEGORY, Member, User
from members.visibility import peer_view

from .models import Disclosure, ReadReason, RecordPart, StaffRead, years_before

# 42 CFR 2.25: an accounting of disclosures covers the last three years.
ACCOUNTING_YEARS = 3
CATEGORY_LABELS = {name: label.split(" (")[0] for name, label in SHARING_CATEGORIES} | {
    STEP_CONSENT_CATEGORY: "Steps you shared"
}


def staff_display(user: User | None) -> str:
    """Name a staff member to a member: the part of their email before the @."""
    if user is None:
        return "A former staff member"
    return user.email.split("@")[0]


def accounting_for(member: Member, *, now: datetime.datetime | None = None) -> dict:
    """Return `member`'s accounting of disclosures for the last three years, as plain
    JSON-ready data: each peer who could see their details (named as the member
    sees them now), which categories and since when; and each staff read."""
    now = now or timezone.now()
    since = years_before(now, ACCOUNTING_YEARS)
    disclosures = list(
        Disclosure.objects.filter(member_id=member.pk, first_visible_at__gte=since).order_by(
            "first_visible_at", "pk"
        )
    )
    peer_ids = {row.viewer_member_id for row in disclosures}
    peers = Member.objects.filter(pk__in=peer_ids).prefetch_related("tags", "languages")
    peers_by_id = {peer.pk: peer for peer in peers}
    latest_match = {}
    for match in (
        Match.objects.visible_to(member)
        .filter(
            Q(newcomer=member, mentor_id__in=peer_ids) | Q(mentor=member, newcomer_id__in=peer_ids)
        )
        .order_by("created_at", "pk")
    ):
        peer_id = match.mentor_id if match.newcomer_id == member.pk else match.newcomer_id
        latest_match[peer_id] = match
    by_peer: dict[int, list[dict]] = {}
    for row in disclosures:
        by_peer.setdefault(row.viewer_member_id, []).append(
            {
                "category": row.category,
                "label": CATEGORY_LABELS.get(row.category, row.category),
                "since": row.first_visible_at.isoformat(),
            }
        )
    peer_entries = []
    for peer_id, categories in by_peer.items():
        peer = peers_by_id.get(peer_id)
        name = "A peer"
        if peer is not None:
            name = peer_view(peer, viewer=member, match=latest_match.get(peer_id)).display_name
        peer_entries.append({"peer": name, "categories": categories})

    reads = list(
        StaffRead.objects.filter(member_id=member.pk, at__gte=since).order_by("-at", "-pk")
    )
    staff = User.objects.in_bulk({read.staff_user_id for read in reads})
    part_labels = dict(RecordPart.choices)
    reason_labels = dict(ReadReason.choices)
    staff_reads = [
        {
            "staff": staff_display(staff.get(read.staff_user_id)),
            "at": read.at.isoformat(),
            "reason": reason_labels.get(read.reason, read.reason),
            "parts": [part_labels.get(part, part) for part in read.parts],
        }
        for read in reads
    ]
    return {
        "since": since.isoformat(),
        "until": now.isoformat(),
        "peers": peer_entries,
        "staff_reads": staff_reads,
    }
