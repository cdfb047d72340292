"""Writes to members. Each function is one transaction."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_disclosures
from matching.models import OPEN_STATES, Match

from .models import (
    SHARING_CATEGORIES,
    ConsentRecord,
    ConsentSource,
    Member,
    Role,
    User,
    VettingStatus,
)

SHARING_FIELDS = [name for name, _ in SHARING_CATEGORIES]


class MemberError(Exception):
    """A change to a member that the rules do not allow."""


def member_create(*, user: User, role: str, display_name: str, birth_year: int) -> Member:
    """Create the recovery profile that goes with a new account."""
    if role not in Role.values:
        raise MemberError(f"Unknown role {role!r}.")
    return Member.objects.create(
        user=user, role=role, display_name=display_name.strip(), birth_year=birth_year
    )


@transaction.atomic
def member_save_section(*, member: Member, form, step: int | None = None, steps: int = 0) -> Member:
    """Save one profile section; during onboarding also record progress.

    `step` is the 1-based onboarding step being saved. Progress only moves
    forward, so revisiting an earlier step never loses later ones.
    A form that holds the sharing choices also records each choice that
    changed (every one, the first time) as a consent record.
    """
    sharing = [name for name in SHARING_FIELDS if name in form.fields]
    before = {}
    if sharing and member.pk is not None:
        before = Member.objects.select_for_update().filter(pk=member.pk).values(*sharing).get()
    member = form.save()
    if sharing:
        source = ConsentSource.PROFILE if step is None else ConsentSource.SIGN_UP
        consent_record_changes(member=member, before=before, source=source)
        _record_disclosures_to_current_peers(member)
    if hasattr(form, "save_tags"):
        form.save_tags(member)
    if step is not None:
        fields = ["onboarding_step", "updated_at"]
        member.onboarding_step = max(member.onboarding_step, step)
        if member.onboarding_step >= steps and member.onboarded_at is None:
            member.onboarded_at = timezone.now()
            fields.append("onboarded_at")
        member.save(update_fields=fields)
    return member


def consent_record_changes(*, member: Member, before: dict[str, bool], source: str) -> int:
    """Append a consent record for each sharing choice that differs from `before`;
    for a member with no records yet, one for every choice. Return how many."""
    first = not ConsentRecord.objects.filter(member=member).exists()
    now = timezone.now()
    records = [
        ConsentRecord(
            member=member,
            category=name,
            granted=getattr(member, name),
            source=source,
            recorded_at=now,
        )
        for name in SHARING_FIELDS
        if first or before.get(name) != getattr(member, name)
    ]
    ConsentRecord.objects.bulk_create(records)
    return len(records)


def _record_disclosures_to_current_peers(member: Member) -> None:
    """A box just ticked shows at once to peers in an open request or active match."""
    matches = Match.objects.filter(
        Q(newcomer=member) | Q(mentor=member), state__in=OPEN_STATES
    ).select_related("newcomer", "mentor")
    for match in matches:
        peer = match.mentor if match.newcomer_id == member.pk else match.newcomer
        record_disclosures(member, peer, match)


@transaction.atomic
def mentor_set_vetting(*, member_id: int, status: str, staff_user: User) -> Member:
    """Approve or reject a mentor, recording who decided and when."""
    if status not in VettingStatus.values:
        raise MemberError(f"Unknown vetting status {status!r}.")
    member = Member.objects.select_for_update().get(pk=member_id)
    if not member.is_mentor:
        raise MemberError(f"{member.display_name} is not a mentor.")
    member.vetting_status = status
    member.vetted_by = staff_user
    member.vetted_at = timezone.now()
    member.save(update_fields=["vetting_status", "vetted_by", "vetted_at", "updated_at"])
    return member
