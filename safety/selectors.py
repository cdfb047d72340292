"""Reads for crisis safety: what a member's help-now page and a conversation show, and
whom a member may block or report."""

from django.db.models import Q
from django.http import Http404

from matching.models import Block, Match, MatchState
from matching.selectors import suggestions_for
from members.models import Member, Role

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


def latest_match_between(member: Member, other: Member) -> Match | None:
    """Return the latest request or match between two members that `member` may
    know of (`Match.objects.visible_to`), in any stage."""
    return (
        Match.objects.visible_to(member)
        .filter(Q(newcomer=member, mentor=other) | Q(newcomer=other, mentor=member))
        .order_by("-created_at", "-pk")
        .first()
    )


def peer_of(member: Member, other_id: int) -> Member | None:
    """Return the member `other_id` if `member` may block or report them, else None.

    A peer is someone `member` has had a request or match with that they may
    know of (a mentor knows nothing of a request staff have not approved), has
    already blocked, or is suggested right now; anyone else, themselves
    included, is not.
    """
    other = Member.objects.filter(pk=other_id).exclude(pk=member.pk).first()
    if other is None:
        return None
    if latest_match_between(member, other) is not None:
        return other
    if Block.objects.filter(blocker=member, blocked=other).exists():
        return other
    suggestible = member.role == Role.NEWCOMER and other.role == Role.MENTOR
    if suggestible and member.is_onboarded:
        return next((s.mentor for s in suggestions_for(member) if s.mentor.pk == other.pk), None)
    return None


def peer_of_or_404(member: Member, other_id: int) -> Member:
    """Return `peer_of`, or answer 404: the block and report page and the API alike."""
    other = peer_of(member, other_id)
    if other is None:
        raise Http404("No such peer.")
    return other
