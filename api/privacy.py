"""The API's part of a member's data: their personal tokens (`members.privacy`)."""

from __future__ import annotations

from members.models import Member
from members.privacy import ExportContext, MemberData, export_time, register

from .models import IntegrationToken, PersonalToken


def export(member: Member, context: ExportContext) -> dict:
    """Return the member's personal API tokens: never the token itself, which is not stored."""
    return {
        "api_tokens": [
            {
                "name": token.name,
                "created": export_time(token.created_at),
                "last_used": export_time(token.last_used_at),
                "revoked": export_time(token.revoked_at),
            }
            for token in PersonalToken.objects.filter(member=member).order_by("created_at", "pk")
        ]
    }


def erase(member: Member) -> None:
    """Delete the leaving member's tokens: they stop working and their names go."""
    PersonalToken.objects.filter(member=member).delete()


register(
    MemberData(
        app_label="api",
        models=(PersonalToken,),
        kept={IntegrationToken: "names the staff account that issued an integration token"},
        export=export,
        erase=erase,
    )
)
