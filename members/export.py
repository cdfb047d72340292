"""The "Download my data" export: one JSON document with everything stored about a member.

`members` writes the account, the profile and the consent records; every other
app writes its own sections, registered in its `privacy.py` (`members.privacy`).
Peers appear only as `peer_view` lets this member see them, so an export never
discloses what a peer did not share. Blocks and reports made *against* the
member are not theirs to see and are left out. A test checks every model that
points at a member or an account against this export, so a new one cannot be
forgotten.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from audit.models import RecordPart
from audit.services import record_staff_read

from . import privacy
from .models import SHARING_CATEGORIES, ConsentRecord, Member
from .privacy import ExportContext, export_time

EXPORT_FILENAME = "peerlink-my-data.json"
# What staff download for a member: no name or id in it, like the member's own.
STAFF_EXPORT_FILENAME = "peerlink-member-data.json"
FORMAT_VERSION = 1
# The export's sections, in the order the document lists them; `members` writes the
# first three, the apps' registered parts the rest.
SECTIONS = (
    "account",
    "profile",
    "consent_records",
    "matches",
    "conversations",
    "check_ins",
    "reminders",
    "blocks_you_made",
    "reports_you_made",
    "help_requests",
    "concerns_you_raised_with_staff",
    "api_tokens",
    "home_page_visits",
    "recovery_checks",
    "steps",
    "accounting_of_disclosures",
)


def _account(member: Member) -> dict:
    user = member.user
    return {
        "email": user.email,
        "joined": export_time(user.date_joined),
        "last_sign_in": export_time(user.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "second_factors": [
            {
                "type": authenticator.get_type_display(),
                "added": export_time(authenticator.created_at),
                "last_used": export_time(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
    }


def _profile(member: Member) -> dict:
    tags = list(member.tags.all())
    return {
        "role": member.get_role_display(),
        "display_name": member.display_name,
        "pronouns": member.pronouns,
        "gender": member.get_gender_display() if member.gender else "",
        "gender_self_description": member.gender_self_description,
        "birth_year": member.birth_year,
        "languages": [language.name for language in member.languages.all()],
        "time_zone": member.time_zone,
        "availability": member.availability_labels(),
        "recovery_goal": member.get_recovery_goal_display(),
        "recovery_start_date": export_time(member.recovery_start_date),
        "bio": member.bio,
        "tags": [{"category": tag.get_category_display(), "name": tag.name} for tag in tags],
        "preferred_mentor_genders": list(member.preferred_mentor_genders),
        "matching_inputs_changed": list(member.matching_inputs_changed_at),
        "contact_details": member.contact_details,
        "capacity": member.capacity if member.is_mentor else None,
        "paused": member.is_paused if member.is_mentor else None,
        "open_to_harm_reduction": member.open_to_harm_reduction if member.is_mentor else None,
        "vetting_status": member.get_vetting_status_display() if member.is_mentor else None,
        "recovery_start_date_staff_approved": (
            export_time(member.vetted_recovery_start_date) if member.is_mentor else None
        ),
        "training_note": member.training_note,
        "sharing_choices": {
            label: getattr(member, name) is True for name, label in SHARING_CATEGORIES
        },
        "held_for_review": member.held_for_review,
        "held_at": export_time(member.held_at),
        "last_active": export_time(member.last_active_at),
        "onboarded": export_time(member.onboarded_at),
        "created": export_time(member.created_at),
        "updated": export_time(member.updated_at),
    }


def _consent_records(member: Member) -> list[dict]:
    return [
        {
            "category": record.get_category_display(),
            "granted": record.granted,
            "source": record.get_source_display(),
            "recorded": export_time(record.recorded_at),
        }
        for record in ConsentRecord.objects.filter(member=member).order_by("recorded_at", "pk")
    ]


def member_data_export(member: Member, *, context: ExportContext | None = None) -> dict:
    """Return everything stored about `member` as one JSON-serialisable document.

    Runs a fixed number of queries however many matches, check-ins or records
    the member has.
    """
    context = context or ExportContext()
    member = (
        Member.objects.select_related("user")
        .prefetch_related("languages", "tags")
        .get(pk=member.pk)
    )
    sections = {
        "account": _account(member),
        "profile": _profile(member),
        "consent_records": _consent_records(member),
    }
    for part in privacy.registered():
        if part.export is not None:
            sections.update(part.export(member, context))
    if set(sections) != set(SECTIONS):
        # A section no one placed in SECTIONS would be left out of the download silently.
        raise ValueError(f"Sections not both written and listed: {set(sections) ^ set(SECTIONS)}")
    return {"format_version": FORMAT_VERSION, **{key: sections[key] for key in SECTIONS}}


def staff_member_data_export(*, staff_user, member: Member, reason: str) -> dict:
    """Return `member`'s export for staff handing it to them, recording the read first.

    The words of the member's steps are left out: staff see only how many.

    Exactly one StaffRead (parts ["export"], the reason staff gave) is written
    for each export served; a read that cannot be recorded serves nothing.
    """
    data = member_data_export(member, context=ExportContext(for_staff=True))
    record_staff_read(staff_user, member, [RecordPart.EXPORT], reason)
    return data
