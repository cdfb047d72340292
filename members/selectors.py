"""Reads of members, each in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from matching.models import OPEN_STATES, Match

from .models import SHARING_CATEGORIES, ConsentRecord, Member


def current_member(request, *, role: str | None = None) -> Member | None:
    """Return the signed-in member, or None: no profile (staff), a deleted account,
    or another role than `role`. Every page and the API ask this, so a deleted
    account reaches nothing anywhere."""
    user = request.user
    if not user.is_authenticated:
        return None
    # Read with the user on a signed-in page (`members.backends`); an API token's user
    # reads it here. The page header (unread messages, requests waiting) reads it too.
    try:
        member = user.member
    except Member.DoesNotExist:
        return None
    if member.deleted_at is not None:
        return None
    if role is not None and member.role != role:
        return None
    return member


def current_member_or_404(request, *, role: str | None = None) -> Member:
    """Return `current_member`, or answer 404: a page for members, or for another role."""
    member = current_member(request, role=role)
    if member is None:
        raise Http404("This page is for a different kind of member.")
    return member


def with_profile(member: Member) -> Member:
    """Read the languages and tags a profile shows onto `member` (two queries)."""
    prefetch_related_objects([member], "languages", "tags")
    return member


# What matching reads of a newcomer that they can change at will.
MATCHING_INPUTS = ("recovery_start_date", "preferred_mentor_genders")
MATCHING_INPUT_WINDOW = datetime.timedelta(days=1)


def recent_matching_input_changes(
    member: Member, *, now: datetime.datetime | None = None
) -> list[datetime.datetime]:
    """Return when `member` changed their matching inputs within the last day."""
    since = (now or timezone.now()) - MATCHING_INPUT_WINDOW
    times = (datetime.datetime.fromisoformat(value) for value in member.matching_inputs_changed_at)
    return sorted(time for time in times if time > since)


def matching_input_changes_left(member: Member, *, now: datetime.datetime | None = None) -> int:
    """Return how many more times a newcomer may change their matching inputs today.

    Only an onboarded newcomer sees suggestions, so only they are limited.
    """
    limit = settings.PEERLINK_MATCHING_INPUT_CHANGES_PER_DAY
    if not member.is_newcomer or not member.is_onboarded:
        return limit
    return max(limit - len(recent_matching_input_changes(member, now=now)), 0)


def members_for_admin() -> QuerySet[Member]:
    return Member.objects.select_related("user", "vetted_by")


@dataclass(frozen=True)
class ConsentHistory:
    """One sharing category: whether it is shared now, since when, and each change."""

    category: str
    label: str
    shared: bool
    since: datetime.datetime | None
    records: list[ConsentRecord]


def consent_history(member: Member) -> list[ConsentHistory]:
    """Return `member`'s sharing choices, one entry per category, in one query.

    Whether a category is shared comes from the member's own setting, which
    is what peers' pages read; `since` is when it last changed to that.
    """
    by_category: dict[str, list[ConsentRecord]] = {name: [] for name, _ in SHARING_CATEGORIES}
    for record in ConsentRecord.objects.filter(member=member).order_by("recorded_at", "pk"):
        by_category.setdefault(record.category, []).append(record)
    history = []
    for name, label in SHARING_CATEGORIES:
        shared = getattr(member, name) is True
        records = by_category[name]
        latest = records[-1] if records else None
        since = latest.recorded_at if latest and latest.granted == shared else None
        history.append(ConsentHistory(name, label, shared, since, records))
    return history


def current_peers(member: Member) -> list[tuple[Match, Member]]:
    """Return each open request or active match `member` is in, with the peer on
    the other side, oldest first, as the stage rule lets them know of it (a
    mentor is not told of a request staff have not approved yet). The profile
    page names each peer; their languages and tags are not read."""
    side = "mentor" if member.is_newcomer else "newcomer"
    matches = (
        Match.objects.visible_to(member)
        .filter(state__in=OPEN_STATES)
        .with_peers_of(member)
        .select_related(f"{side}__user")
        .by_age(newest_first=False, member=member)
    )
    return [
        (match, match.mentor if match.newcomer_id == member.pk else match.newcomer)
        for match in matches
    ]
