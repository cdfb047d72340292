"""Writes to members. Each function is one transaction."""

import datetime
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.services import record_disclosures_to_current_peers
from matching.services import (
    member_notify,
    open_requests_recheck,
    suggestions_refresh_later,
    suggestions_refresh_soon,
)

from . import privacy
from .forms import SECTION_FORMS, bind_profile_changes, profile_field_sections
from .models import (
    SHARING_CATEGORIES,
    ConsentRecord,
    ConsentSource,
    Member,
    RecoveryGoal,
    Role,
    User,
    VettingStatus,
)
from .selectors import MATCHING_INPUTS, recent_matching_input_changes

SHARING_FIELDS = [name for name, _ in SHARING_CATEGORIES]

# An approved mentor whose recovery start date moves further than this from the
# date staff approved goes back to staff for review.
REVETTING_TOLERANCE = datetime.timedelta(days=31)
REVETTING_MESSAGE = (
    "Your recovery start date is now more than a month away from the one our staff "
    "approved, so they will review your profile again. You won't get new requests until then."
)


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
    changed = set(form.changed_data)
    if changed & set(MATCHING_INPUTS):
        _record_matching_input_change(member)
    if "recovery_start_date" in changed:
        _review_again_if_far_from_vetted_date(
            member, before=form.initial.get("recovery_start_date")
        )
    if "is_paused" in form.fields or "recovery_start_date" in changed:
        # A mentor who pauses, or goes back to staff review, is asked no more:
        # open requests move on.
        open_requests_recheck(member_id=member.pk)
    if sharing:
        source = ConsentSource.PROFILE if step is None else ConsentSource.SIGN_UP
        consent_record_changes(member=member, before=before, source=source)
        record_disclosures_to_current_peers(member)
    if hasattr(form, "save_tags"):
        form.save_tags(member)
    if step is not None:
        fields = ["onboarding_step", "updated_at"]
        member.onboarding_step = max(member.onboarding_step, step)
        if member.onboarding_step >= steps and member.onboarded_at is None:
            member.onboarded_at = timezone.now()
            fields.append("onboarded_at")
        member.save(update_fields=fields)
    if member.is_newcomer and member.is_onboarded:
        # Their stored suggestions are older than the profile now: recompute them.
        suggestions_refresh_later(newcomer_id=member.pk)
    elif member.is_mentor and member.vetting_status == VettingStatus.APPROVED:
        # Stored lists leave out a mentor changed since: put them back soon.
        suggestions_refresh_soon()
    return member


def _record_matching_input_change(member: Member) -> None:
    """Count a change of what matching reads of an onboarded newcomer (see
    members.selectors.matching_input_changes_left)."""
    if not member.is_newcomer or not member.is_onboarded:
        return
    now = timezone.now()
    recent = recent_matching_input_changes(member, now=now)
    member.matching_inputs_changed_at = [time.isoformat() for time in [*recent, now]]
    member.save(update_fields=["matching_inputs_changed_at", "updated_at"])


def _review_again_if_far_from_vetted_date(member: Member, *, before) -> None:
    """Send an approved mentor back to staff when their recovery start date moved far
    from the one staff approved (or, approved before that was kept, from the last one)."""
    if not member.is_mentor or member.vetting_status != VettingStatus.APPROVED:
        return
    approved = member.vetted_recovery_start_date or before
    now = member.recovery_start_date
    if approved is not None and now is not None and abs(now - approved) <= REVETTING_TOLERANCE:
        return
    member.vetting_status = VettingStatus.PENDING
    member.save(update_fields=["vetting_status", "updated_at"])


def consent_record_changes(*, member: Member, before: dict[str, bool], source: str) -> int:
    """Append a consent record for each sharing choice in `before` that changed;
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
        # A box the form did not offer (a mentor's box, for a newcomer) did not change.
        if first or (name in before and before[name] != getattr(member, name))
    ]
    ConsentRecord.objects.bulk_create(records)
    return len(records)


@transaction.atomic
def mentor_set_vetting(
    *, member_id: int, status: str, staff_user: User, previous_status: str | None = None
) -> Member:
    """Approve or reject a mentor, recording who decided and when.

    A mentor who was not approved before is emailed that they are now.
    `previous_status` is for a caller that saved the new status first (the
    admin's edit page); others leave it out and the stored status is used.
    """
    if status not in VettingStatus.values:
        raise MemberError(f"Unknown vetting status {status!r}.")
    member = Member.objects.select_for_update().get(pk=member_id)
    if not member.is_mentor:
        raise MemberError(f"{member.display_name} is not a mentor.")
    previous_status = previous_status or member.vetting_status
    member.vetting_status = status
    member.vetted_by = staff_user
    member.vetted_at = timezone.now()
    member.vetted_recovery_start_date = member.recovery_start_date
    member.save(
        update_fields=[
            "vetting_status",
            "vetted_by",
            "vetted_at",
            "vetted_recovery_start_date",
            "updated_at",
        ]
    )
    # A mentor who is no longer approved is asked no more: open requests move on.
    open_requests_recheck(member_id=member.pk)
    if status == VettingStatus.APPROVED and previous_status != VettingStatus.APPROVED:
        # A newly approved mentor joins everyone's suggestions at once.
        suggestions_refresh_later()
        member_notify(
            member_id=member.pk, event="vetting_approved", key=member.vetted_at.isoformat()
        )
    return member


DELETED_NAME = "Deleted member"
# The earliest birth year the database accepts: a deleted member has none.
PLACEHOLDER_BIRTH_YEAR = 1900
# The session engines that keep every session in the database (`cached_db` in the
# cache as well): deletion finds a member's sessions there.
SESSIONS_IN_DATABASE = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


def deleted_email(user_id: int) -> str:
    """Return the unique address that replaces a deleted account's email (never routable)."""
    return f"deleted-{user_id}@invalid"


@transaction.atomic
def delete_account(*, member: Member) -> bool:
    """Delete a member's account: close their matches and anonymise what names them.

    Each app's registered part erases its rows first, in `privacy.ORDER` (matching
    first: open requests are withdrawn and active matches end with the neutral
    reason, the peer told only that the match ended), while the member's name is
    still there to remove from what others wrote. The rows stay, reduced to ids
    and flags, so that matches, consent records and audit rows keep their shape.
    Return False, changing nothing, when the account is already deleted.
    """
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if member.is_deleted:
        return False
    user = member.user
    old_email = user.email
    for part in privacy.registered():
        if part.erase is not None:
            part.erase(member)
    _anonymise_member(member)

    user.email = deleted_email(user.pk)
    user.set_unusable_password()
    user.is_active = False
    user.last_login = None
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _end_sessions_of(user)
    # Sign-in security records stay, under the new address.
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).update(username=user.email)
    # The admin's change history keeps ids; its labels no longer name them.
    for instance in (user, member):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
        ).update(object_repr=f"{DELETED_NAME} {member.pk}")
    return True


def _anonymise_member(member: Member) -> None:
    member.display_name = DELETED_NAME
    member.pronouns = ""
    member.gender = ""
    member.gender_self_description = ""
    member.birth_year = PLACEHOLDER_BIRTH_YEAR
    member.time_zone = "UTC"
    member.availability = []
    member.recovery_goal = RecoveryGoal.NOT_SURE
    member.recovery_start_date = None
    member.bio = ""
    member.preferred_mentor_genders = []
    member.matching_inputs_changed_at = []
    member.vetted_recovery_start_date = None
    member.contact_details = ""
    member.training_note = ""
    member.last_active_at = None
    member.is_paused = True
    for name in SHARING_FIELDS:
        setattr(member, name, False)
    member.deleted_at = timezone.now()
    member.save()
    member.tags.clear()
    member.languages.clear()


def _end_sessions_of(user: User) -> None:
    """Delete the user's stored sessions, from the cache too (their password hash
    changed as well, which already ends every session at its next request)."""
    if settings.SESSION_ENGINE not in SESSIONS_IN_DATABASE:
        return
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_id:
            store(session_key=session.pk).delete()


@transaction.atomic
def retention_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Apply the programme's retention settings; a second run changes nothing.
    Return how many rows each step changed, by name (counts only).

    Each app's registered part purges first, in `privacy.ORDER`: requests and
    matches closed longer than `PEERLINK_RETENTION_ENDED_MATCH_DAYS` lose their
    free text (notes, reasons) and so do their check-ins, the reports staff have
    dealt with and the messages of their conversations (unless a report on one of
    them is still open). Then accounts that never verified their email nor signed
    in within `PEERLINK_RETENTION_UNVERIFIED_SIGNUP_DAYS` are deleted, and sign-in
    records after `PEERLINK_RETENTION_SIGN_IN_RECORDS_DAYS`.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for part in privacy.registered():
        if part.purge is not None:
            counts.update(part.purge(now))

    signup_cutoff = now - datetime.timedelta(
        days=settings.PEERLINK_RETENTION_UNVERIFIED_SIGNUP_DAYS
    )
    # A sign-up is an account with an email address waiting for verification;
    # accounts staff created without one are never purged.
    addresses = EmailAddress.objects.filter(user=OuterRef("pk"))
    stale = User.objects.filter(
        Exists(addresses.filter(verified=False)),
        ~Exists(addresses.filter(verified=True)),
        date_joined__lt=signup_cutoff,
        last_login__isnull=True,
        is_staff=False,
    )
    _, deleted = stale.delete()
    counts["signups_deleted"] = deleted.get(User._meta.label, 0)

    # django-axes keeps the email tried and the address of every sign-in.
    sign_in_cutoff = now - datetime.timedelta(days=settings.PEERLINK_RETENTION_SIGN_IN_RECORDS_DAYS)
    counts["sign_in_records_deleted"] = sum(
        model.objects.filter(attempt_time__lt=sign_in_cutoff).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    return counts


NOT_EDITABLE = "You cannot change this field."


@transaction.atomic
def member_profile_update(*, member: Member, changes: dict) -> Member:
    """Apply `changes` to the member's own profile with the profile page's section forms,
    saving each section with `member_save_section` like the page does (so a changed
    sharing choice writes a consent record). Raises ValidationError with every
    field's messages, and then changes nothing."""
    sections = profile_field_sections(member)
    errors = {name: [NOT_EDITABLE] for name in changes if name not in sections}
    touched = [slug for slug in SECTION_FORMS if any(sections.get(n) == slug for n in changes)]
    # Validate every touched section before saving any, each on its own copy of the row.
    for slug in touched:
        form = bind_profile_changes(Member.objects.get(pk=member.pk), slug, changes)
        if not form.is_valid():
            errors.update({name: list(messages) for name, messages in form.errors.items()})
    if errors:
        raise ValidationError(errors)
    # Save section by section, each from the row as the previous section left it.
    for slug in touched:
        fresh = Member.objects.get(pk=member.pk)
        form = bind_profile_changes(fresh, slug, changes)
        form.full_clean()
        member_save_section(member=fresh, form=form)
    return Member.objects.select_related("user").get(pk=member.pk)
