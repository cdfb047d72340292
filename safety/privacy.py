"""Safety's part of a member's data: the holds on them and the concerns they raised
with staff (`members.privacy`)."""

from __future__ import annotations

from members.models import Member
from members.privacy import ExportContext, MemberData, export_time, register

from .models import HelpRequest, HoldReason, ResourcesPage


def _help_requests(member: Member) -> list[dict]:
    # A hold raised by a peer is, like a report about the member, not said to be theirs.
    return [
        {
            "reason": (
                "Held for staff review"
                if help_request.reason == HoldReason.PEER_CONCERN
                else help_request.get_reason_display()
            ),
            "created": export_time(help_request.created_at),
            "staff_may_contact": help_request.may_contact,
            "how_to_contact": help_request.how_to_contact,
            "cleared": export_time(help_request.cleared_at),
        }
        for help_request in HelpRequest.objects.filter(member=member).order_by("created_at", "pk")
    ]


def _concerns_raised(member: Member) -> list[dict]:
    """The times the member told staff that a message from their peer worried them."""
    return [
        {
            "match": concern.match_id,
            "created": export_time(concern.created_at),
            "message_included": concern.message_id is not None,
        }
        for concern in HelpRequest.objects.filter(
            raised_by=member, reason=HoldReason.PEER_CONCERN
        ).order_by("created_at", "pk")
    ]


def export(member: Member, context: ExportContext) -> dict:
    """Return the holds on the member and the concerns they raised with staff."""
    return {
        "help_requests": _help_requests(member),
        "concerns_you_raised_with_staff": _concerns_raised(member),
    }


def erase(member: Member) -> None:
    """Forget how the leaving member asked to be contacted; the holds stay, for staff."""
    HelpRequest.objects.filter(member=member).update(how_to_contact="")


register(
    MemberData(
        app_label="safety",
        models=(HelpRequest,),
        kept={ResourcesPage: "names the staff account that last edited the resources page"},
        export=export,
        erase=erase,
    )
)
