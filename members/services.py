"""Writes to members. Each function is one transaction."""

from django.db import transaction
from django.utils import timezone

from .models import Member, Role, User, VettingStatus


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
    """
    member = form.save()
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
