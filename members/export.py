"""The "Download my data" export: one JSON document with everything stored about a member.

Peers appear only as `peer_view` lets this member see them, so an export never
discloses what a peer did not share. Blocks and reports made *against* the
member are not theirs to see and are left out. A test checks every model that
points at a member or an account against this export, so a new one cannot be
forgotten.
"""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Q

from api.models import PersonalToken
from audit.models import RecordPart
from audit.selectors import accounting_for
from audit.services import record_staff_read
from checkins.models import CheckIn, Reminder
from home.models import HomeVisit
from matching.models import Block, Match, PairStage, Report
from matching.selectors import reasons_for_newcomer
from messaging.models import Conversation, Message, Participant
from recovery.models import Answer, Dismissal, RecoveryCheck
from safety.models import HelpRequest, HoldReason
from steps.selectors import steps_page

from .models import SHARING_CATEGORIES, ConsentRecord, Member
from .visibility import peer_view

EXPORT_FILENAME = "peerlink-my-data.json"
# What staff download for a member: no name or id in it, like the member's own.
STAFF_EXPORT_FILENAME = "peerlink-member-data.json"
FORMAT_VERSION = 1


def _time(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def accounting_of_disclosures(member: Member) -> dict:
    """Return who saw what of `member` and when: the same accounting the member's page shows."""
    return accounting_for(member)


def _account(member: Member) -> dict:
    user = member.user
    return {
        "email": user.email,
        "joined": _time(user.date_joined),
        "last_sign_in": _time(user.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "second_factors": [
            {
                "type": authenticator.get_type_display(),
                "added": _time(authenticator.created_at),
                "last_used": _time(authenticator.last_used_at),
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
        "recovery_start_date": _time(member.recovery_start_date),
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
            _time(member.vetted_recovery_start_date) if member.is_mentor else None
        ),
        "training_note": member.training_note,
        "sharing_choices": {
            label: getattr(member, name) is True for name, label in SHARING_CATEGORIES
        },
        "held_for_review": member.held_for_review,
        "held_at": _time(member.held_at),
        "last_active": _time(member.last_active_at),
        "onboarded": _time(member.onboarded_at),
        "created": _time(member.created_at),
        "updated": _time(member.updated_at),
    }


def _peer(view) -> dict:
    return dict(view.rows())


def _matches(member: Member) -> tuple[list[dict], dict[int, Match]]:
    """Return the requests and matches the member may know of, and each peer's latest.

    Each is shown at its stage for this member (`Match.stage_for`): a mentor's
    export holds nothing of a request staff have not approved.
    """
    peer_related = ("mentor", "newcomer")
    matches = (
        Match.objects.visible_to(member)
        .select_related(*(f"{side}__user" for side in peer_related))
        .prefetch_related(
            *(f"{side}__tags" for side in peer_related),
            *(f"{side}__languages" for side in peer_related),
        )
        .order_by("created_at", "pk")
    )
    rows, latest = [], {}
    for match in matches:
        as_newcomer = match.newcomer_id == member.pk
        peer = match.mentor if as_newcomer else match.newcomer
        latest[peer.pk] = match
        wrote_end = match.ended_by == ("newcomer" if as_newcomer else "mentor")
        rows.append(
            {
                "id": match.pk,
                "your_role": "newcomer" if as_newcomer else "mentor",
                "peer": _peer(peer_view(peer, viewer=member, match=match)),
                "state": match.get_state_display(),
                "origin": match.get_origin_display(),
                "stage": match.stage_for(member).label,
                "reasons_shown": _reasons(match, member),
                "created": _time(match.created_at),
                "sent_to_mentor": _time(match.sent_to_mentor_at),
                "answer_due": _time(match.expires_at),
                "decided": _time(match.decided_at),
                "decline_reason": match.get_decline_reason_display() if not as_newcomer else "",
                "decline_note": match.decline_note if not as_newcomer else "",
                "ended": _time(match.ended_at),
                "ended_by": match.get_ended_by_display(),
                "end_reason": match.end_reason if wrote_end else "",
            }
        )
    return rows, latest


def _reasons(match: Match, member: Member) -> list[str]:
    """Why the newcomer might relate to their mentor, from what the mentor shares now
    and only while the pair's stage shows the mentor's profile: a reason stored
    with a request may name what the mentor has since chosen to hide."""
    if match.newcomer_id != member.pk or match.stage_for(member) == PairStage.ENDED:
        return []
    return reasons_for_newcomer(match)


def _checkins(member: Member) -> list[dict]:
    return [
        {
            "match": checkin.match_id,
            "written": _time(checkin.created_at),
            "connected": checkin.get_connected_display(),
            "rating": checkin.rating,
            "concern": checkin.concern,
            "note": checkin.note,
        }
        for checkin in CheckIn.objects.filter(author=member).order_by("created_at", "pk")
    ]


def _reminders(member: Member) -> list[dict]:
    return [
        {
            "match": reminder.match_id,
            "due": _time(reminder.due_at),
            "sent": _time(reminder.sent_at),
            "state": reminder.get_state_display(),
        }
        for reminder in Reminder.objects.filter(recipient=member).order_by("due_at", "pk")
    ]


def _blocks(member: Member, latest: dict[int, Match]) -> list[dict]:
    blocks = (
        Block.objects.filter(blocker=member)
        .select_related("blocked__user")
        .prefetch_related("blocked__tags", "blocked__languages")
        .order_by("created_at", "pk")
    )
    return [
        {
            "peer": _peer(
                peer_view(block.blocked, viewer=member, match=latest.get(block.blocked_id))
            ),
            "reason": block.reason,
            "created": _time(block.created_at),
        }
        for block in blocks
    ]


def _reports(member: Member, latest: dict[int, Match]) -> list[dict]:
    reports = (
        Report.objects.filter(reporter=member)
        .select_related("reported__user")
        .prefetch_related("reported__tags", "reported__languages")
        .order_by("created_at", "pk")
    )
    return [
        {
            "peer": _peer(
                peer_view(report.reported, viewer=member, match=latest.get(report.reported_id))
            ),
            "match": report.match_id,
            "message": report.message_id,
            "text": report.text,
            "created": _time(report.created_at),
            "status": report.get_status_display(),
        }
        for report in reports
    ]


def _conversations(member: Member) -> list[dict]:
    """Return the member's conversations: what they wrote and what their peer wrote to them.

    A peer is named only as `peer_view` lets the member see them for that match.
    """
    conversations = (
        Conversation.objects.filter(Q(match__newcomer=member) | Q(match__mentor=member))
        .select_related("match__newcomer", "match__mentor")
        .order_by("created_at", "pk")
    )
    by_id = {
        conversation.pk: conversation
        for conversation in conversations
        if conversation.match.messages_visible_to(member)
    }
    read_state = {
        participant.conversation_id: participant
        for participant in Participant.objects.filter(member=member, conversation__in=by_id)
    }
    messages: dict[int, list[dict]] = {pk: [] for pk in by_id}
    for message in Message.objects.filter(conversation__in=by_id).order_by("pk"):
        match = by_id[message.conversation_id].match
        if message.sender_id == member.pk:
            sender = "you"
        else:
            peer = match.mentor if match.newcomer_id == member.pk else match.newcomer
            sender = peer_view(peer, viewer=member, match=match).display_name
        messages[message.conversation_id].append(
            {
                "from": sender,
                "written": _time(message.created_at),
                "text": message.text,
                "removed": _time(message.removed_at),
                "note_with_the_request": message.is_request_note,
            }
        )
    rows = []
    for pk, conversation in by_id.items():
        participant = read_state.get(pk)
        rows.append(
            {
                "match": conversation.match_id,
                "started": _time(conversation.created_at),
                "last_seen": _time(participant.last_seen_at) if participant else None,
                "last_emailed": _time(participant.last_emailed_at) if participant else None,
                "messages": messages[pk],
            }
        )
    return rows


def _help_requests(member: Member) -> list[dict]:
    # A hold raised by a peer is, like a report about the member, not said to be theirs.
    return [
        {
            "reason": (
                "Held for staff review"
                if help_request.reason == HoldReason.PEER_CONCERN
                else help_request.get_reason_display()
            ),
            "created": _time(help_request.created_at),
            "staff_may_contact": help_request.may_contact,
            "how_to_contact": help_request.how_to_contact,
            "cleared": _time(help_request.cleared_at),
        }
        for help_request in HelpRequest.objects.filter(member=member).order_by("created_at", "pk")
    ]


def _concerns_raised(member: Member) -> list[dict]:
    """The times the member told staff that a message from their peer worried them."""
    return [
        {
            "match": concern.match_id,
            "created": _time(concern.created_at),
            "message_included": concern.message_id is not None,
        }
        for concern in HelpRequest.objects.filter(
            raised_by=member, reason=HoldReason.PEER_CONCERN
        ).order_by("created_at", "pk")
    ]


def _api_tokens(member: Member) -> list[dict]:
    """The member's personal API tokens: never the token itself, which is not stored."""
    return [
        {
            "name": token.name,
            "created": _time(token.created_at),
            "last_used": _time(token.last_used_at),
            "revoked": _time(token.revoked_at),
        }
        for token in PersonalToken.objects.filter(member=member).order_by("created_at", "pk")
    ]


def _home_visits(member: Member) -> dict:
    """When the member last opened their home page (it says what changed since)."""
    visit = HomeVisit.objects.filter(member=member).first()
    return {
        "last_visit": _time(visit.visited_at) if visit else None,
        "visit_before": _time(visit.previous_visited_at) if visit else None,
    }


def _recovery_checks(member: Member) -> dict:
    """The member's recovery checks with each answer as they gave it, and each "not now"."""
    checks = (
        RecoveryCheck.objects.filter(member=member)
        .select_related("version__instrument")
        .order_by("taken_at", "pk")
    )
    answers: dict[int, list[dict]] = {}
    for answer in (
        Answer.objects.filter(check_taken__member=member)
        .select_related("item__version")
        .order_by("check_taken_id", "item__order")
    ):
        labels = dict(answer.item.version.scale)
        answers.setdefault(answer.check_taken_id, []).append(
            {
                "statement": answer.item.text,
                "answer": answer.value,
                "answer_label": labels.get(answer.value, ""),
            }
        )
    return {
        "checks": [
            {
                "instrument": check.version.instrument.name,
                "version": check.version.number,
                "taken": _time(check.taken_at),
                "total": check.score,
                "by_area": check.area_scores,
                "answers": answers.get(check.pk, []),
            }
            for check in checks
        ],
        "not_now": [
            _time(dismissal.at)
            for dismissal in Dismissal.objects.filter(member=member).order_by("at", "pk")
        ],
    }


def _consent_records(member: Member) -> list[dict]:
    return [
        {
            "category": record.get_category_display(),
            "granted": record.granted,
            "source": record.get_source_display(),
            "recorded": _time(record.recorded_at),
        }
        for record in ConsentRecord.objects.filter(member=member).order_by("recorded_at", "pk")
    ]


def _steps(member: Member) -> list[dict]:
    active, retired = steps_page(member)
    return [
        {
            "text": row.step.text,
            "shared_with_your_peer": row.step.shared,
            "created": _time(row.step.created_at),
            "retired": _time(row.step.retired_at),
            "how_it_went": [
                {
                    "answer": answer.get_answer_display(),
                    "recorded": _time(answer.recorded_at),
                    "from": answer.get_source_display(),
                }
                for answer in row.answers
            ],
        }
        for row in [*active, *retired]
    ]


def member_data_export(member: Member) -> dict:
    """Return everything stored about `member` as one JSON-serialisable document.

    Runs a fixed number of queries however many matches, check-ins or records
    the member has.
    """
    member = (
        Member.objects.select_related("user")
        .prefetch_related("languages", "tags")
        .get(pk=member.pk)
    )
    matches, latest = _matches(member)
    return {
        "format_version": FORMAT_VERSION,
        "account": _account(member),
        "profile": _profile(member),
        "consent_records": _consent_records(member),
        "matches": matches,
        "conversations": _conversations(member),
        "check_ins": _checkins(member),
        "reminders": _reminders(member),
        "blocks_you_made": _blocks(member, latest),
        "reports_you_made": _reports(member, latest),
        "help_requests": _help_requests(member),
        "concerns_you_raised_with_staff": _concerns_raised(member),
        "api_tokens": _api_tokens(member),
        "home_page_visits": _home_visits(member),
        "recovery_checks": _recovery_checks(member),
        "steps": _steps(member),
        "accounting_of_disclosures": accounting_of_disclosures(member),
    }


def staff_member_data_export(*, staff_user, member: Member, reason: str) -> dict:
    """Return `member`'s export for staff handing it to them, recording the read first.

    The words of the member's steps are left out: staff see only how many.

    Exactly one StaffRead (parts ["export"], the reason staff gave) is written
    for each export served; a read that cannot be recorded serves nothing.
    """
    data = member_data_export(member)
    # Staff see how many steps a member keeps, never their words: the member's
    # own download has them.
    data["steps"] = {
        "count": len(data["steps"]),
        "shared": sum(1 for step in data["steps"] if step["shared_with_your_peer"]),
        "words": "Only the member sees the words of their steps, in their own download.",
    }
    record_staff_read(staff_user, member, [RecordPart.EXPORT], reason)
    return data
