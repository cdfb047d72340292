"""Reads for crisis safety: what a member's help-now page and a conversation show."""

from django.db.models import Q

from matching.models import Match, MatchState
from members.models import Member

from .models import HelpRequest, HoldReason, ResourcesPage
from .resources import STARTER_TEXT


def open_help_request(member: Member) -> HelpRequest | None:
    """Return the member's help-now request staff have not cleared yet, if any."""
    return HelpRequest.objects.open_help_now(member.pk).first()


def pause_wording(member: Member) -> str:
    """Say what holding this member changes, in terms of where they are now."""
    has_peer = Match.objects.filter(
        Q(newcomer=member) | Q(mentor=member), state=MatchState.ACTIVE
    ).exists()
    if member.is_newcomer and has_peer:
        return (
            "You keep your peer mentor and your messages. We won't suggest other peers "
            "until staff have been in touch."
        )
    if member.is_newcomer:
        return "We'll stop suggesting peers to ask until staff have been in touch."
    if has_peer:
        return (
            "You keep your current matches and messages. No new newcomers will be sent "
            "your way until staff have been in touch."
        )
    return "No new newcomers will be sent your way until staff have been in touch."


def peer_concern_open(*, raised_by: Member, match: Match) -> HelpRequest | None:
    """Return the open concern `raised_by` raised about their peer in `match`, if any."""
    return HelpRequest.objects.filter(
        raised_by=raised_by, match=match, reason=HoldReason.PEER_CONCERN, cleared_at=None
    ).first()


def resources_text() -> str:
    """Return the programme's resources text, or PeerLink's starter text until staff write one."""
    page = ResourcesPage.objects.only("text").first()
    return page.text if page else STARTER_TEXT
