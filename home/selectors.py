"""Reads for the member home page (`/me/`), in a fixed number of queries.

Which requests and matches a member sees, and at what stage, is the one stage
rule (`Match.objects.visible_to`, `Match.stage_for`); what they see of a peer is
`peer_view`. Nothing here decides either again.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db.models import F, Max, Q
from django.utils import timezone

from checkins import schedule
from checkins.models import CheckIn
from checkins.selectors import member_time_zone, upcoming_for
from matching.deadlines import request_deadline
from matching.models import (
    OPEN_STATES,
    REQUEST_STATES,
    EndedBy,
    Match,
    MatchOrigin,
    MatchState,
    PairStage,
)
from matching.selectors import (
    WAITING_FOR_ROOM,
    Places,
    Suggestion,
    places_free,
    suggestions_with_status,
)
from members.models import Member, VettingStatus
from members.templatetags.sentences import full_stop
from members.visibility import PeerView, peer_view
from messaging.models import Message
from messaging.selectors import unread_by_match

# How many suggestions the home page shows; the rest are on /peers/.
SUGGESTIONS_SHOWN = 3

ON_HOLD = (
    "Our staff will be in touch with you soon, and suggestions will come back after that. "
    "You can reach the crisis lines any time."
)
NO_MENTOR_FITS = (
    "Right now nobody with room fits what you asked for. Our team sees this too and will "
    "help you find someone; new mentors join all the time."
)


@dataclass(frozen=True)
class Pair:
    """One request or match as the member sees it."""

    match: Match
    peer: PeerView
    stage: PairStage
    deadline: str = ""
    unread: int = 0


@dataclass(frozen=True)
class CheckinCard:
    match: Match
    peer: PeerView
    next_due_at: datetime.datetime
    # None before the first check-in was due; else whether the member did the last one.
    last_done: bool | None
    last_due_at: datetime.datetime | None = None


@dataclass
class HomePage:
    member: Member
    since: datetime.datetime | None
    open_request: Pair | None = None
    active: list[Pair] = field(default_factory=list)
    requests_waiting: list[Pair] = field(default_factory=list)
    checkins: list[CheckinCard] = field(default_factory=list)
    suggestions: list[tuple[Suggestion, PeerView]] = field(default_factory=list)
    no_suggestions_because: str = ""
    room_left: int | None = None
    changes: list[str] = field(default_factory=list)
    # Unread messages in all the member's conversations, ended ones included: the
    # navigation's count.
    unread_total: int = 0

    @property
    def unread(self) -> int:
        return sum(pair.unread for pair in self.active)


def _peer_of(match: Match, member: Member) -> Member:
    return match.mentor if match.newcomer_id == member.pk else match.newcomer


def visible_pairs(member: Member, *, since: datetime.datetime | None = None) -> list[Pair]:
    """Return the member's open requests and matches, and those that changed after `since`,
    newest first, as the member may see them."""
    shown = Q(state__in=OPEN_STATES)
    if since is not None:
        shown |= (
            Q(created_at__gt=since)
            | Q(sent_to_mentor_at__gt=since)
            | Q(decided_at__gt=since)
            | Q(ended_at__gt=since)
        )
    matches = (
        Match.objects.visible_to(member)
        .filter(shown)
        # The other person of each is read only when there is a match: most members
        # who open their home have none open (a query of 70 columns fewer to build).
        .prefetch_related("mentor" if member.is_newcomer else "newcomer")
        # `cadence`: the check-in cards read these matches too.
        .select_related("cadence")
        .by_age(newest_first=True, member=member)
    )
    pairs = []
    for match in matches:
        stage = match.stage_for(member)
        if stage == PairStage.NOT_VISIBLE:
            continue
        peer = peer_view(_peer_of(match, member), viewer=member, match=match)
        pairs.append(Pair(match=match, peer=peer, stage=stage, deadline=request_deadline(match)))
    return pairs


def _checkin_cards(member: Member, pairs: list[Pair], now: datetime.datetime) -> list[CheckinCard]:
    """The next check-in of each active match in the member's own time zone, and
    whether they did the one last due."""
    upcoming = upcoming_for(member, now=now, visible=[pair.match for pair in pairs])
    if not upcoming:
        return []
    time_zone = member_time_zone(member)
    last_times = dict(
        CheckIn.objects.filter(author=member, match__in=[item.match.pk for item in upcoming])
        .values("match_id")
        .annotate(latest=Max("created_at"))
        .values_list("match_id", "latest")
    )
    cards = []
    for item in upcoming:
        cadence = item.cadence
        slot, _ = schedule.next_slot(item.match.decided_at, now, time_zone, cadence)
        last_done = last_due = None
        if slot > 0:
            last_due = schedule.slot_due_at(item.match.decided_at, slot - 1, time_zone, cadence)
            # As on the staff list: a check-in from the last due time on counts for it.
            checked_in = last_times.get(item.match.pk)
            last_done = checked_in is not None and checked_in >= last_due
        cards.append(
            CheckinCard(
                match=item.match,
                peer=item.peer,
                next_due_at=item.next_due_at,
                last_done=last_done,
                last_due_at=last_due,
            )
        )
    return cards


def _changes(
    member: Member, pairs: list[Pair], checkins: list[CheckinCard], since: datetime.datetime
) -> list[str]:
    """Say in plain words what changed for the member since `since`."""
    changes = []
    as_newcomer = member.is_newcomer
    new_requests = 0
    for pair in pairs:
        match, name = pair.match, pair.peer.name_in_sentence
        decided = match.decided_at is not None and match.decided_at > since
        ended = match.ended_at is not None and match.ended_at > since
        if as_newcomer:
            if match.state == MatchState.ACTIVE and decided:
                changes.append(f"{_capital(name)} said yes: you are matched.")
            elif match.state == MatchState.ENDED and ended and match.ended_by != EndedBy.NEWCOMER:
                changes.append(f"Your match with {name} ended.")
            elif match.state in (MatchState.DECLINED, MatchState.EXPIRED, MatchState.REJECTED):
                if decided:
                    changes.append(f"Your request to {name} moved on.")
            elif match.state in REQUEST_STATES and match.created_at > since:
                if match.origin == MatchOrigin.BATCH:
                    suggested = pair.peer.name
                    changes.append(
                        f"Our team suggested {suggested} as your peer."
                        if suggested
                        else "Our team suggested a peer for you."
                    )
                elif not _made_by_the_newcomer(match):
                    changes.append(full_stop(f"Your request is now with {name}"))
        else:
            asked = match.sent_to_mentor_at is not None and match.sent_to_mentor_at > since
            if pair.stage == PairStage.REQUESTED and asked:
                new_requests += 1
            elif match.state == MatchState.ENDED and ended and match.ended_by != EndedBy.MENTOR:
                changes.append(f"Your match with {name} ended.")
            elif (
                pair.stage == PairStage.ENDED
                and match.state != MatchState.ENDED
                and decided
                and not match.decline_reason
            ):
                changes.append(f"The request from {name} is no longer open.")
    if new_requests:
        changes.insert(
            0,
            "A new request is waiting for you."
            if new_requests == 1
            else f"{new_requests} new requests are waiting for you.",
        )
    active_ids = [pair.match.pk for pair in pairs if pair.stage == PairStage.ACTIVE]
    new_messages = _new_messages_since(member, active_ids, since)
    if new_messages:
        changes.append("You have a new message." if new_messages == 1 else "You have new messages.")
    for card in checkins:
        if card.last_done is False and card.last_due_at > since:
            changes.append(f"A check-in on your match with {card.peer.name_in_sentence} is due.")
    return changes


def _made_by_the_newcomer(match: Match) -> bool:
    """Whether the newcomer made this request themselves (not a next choice it moved
    on to, nor one staff or a matching run proposed)."""
    if match.origin == MatchOrigin.REQUEST:
        return True
    return match.origin == MatchOrigin.RANKED and (match.choice_rank or 1) == 1


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _new_messages_since(member: Member, match_ids: list[int], since: datetime.datetime) -> int:
    if not match_ids:
        return 0
    return (
        Message.objects.filter(
            conversation__match_id__in=match_ids,
            conversation__participants__member=member,
            id__gt=F("conversation__participants__last_read_message_id"),
            created_at__gt=since,
            is_request_note=False,
        )
        .exclude(sender=member)
        .count()
    )


def home_page(
    member: Member, *, since: datetime.datetime | None, now: datetime.datetime | None = None
) -> HomePage:
    """Return what the member's home page shows: what is next, and what changed since `since`."""
    now = now or timezone.now()
    page = HomePage(member=member, since=since)
    pairs = visible_pairs(member, since=since)
    unread = unread_by_match(member)
    page.unread_total = sum(unread.values())
    active = [
        dataclasses.replace(pair, unread=unread.get(pair.match.pk, 0))
        for pair in pairs
        if pair.stage == PairStage.ACTIVE
    ]
    page.active = active
    if member.is_newcomer:
        page.open_request = next(
            (p for p in pairs if p.stage in (PairStage.PENDING_STAFF, PairStage.REQUESTED)), None
        )
        if page.open_request is None and not active:
            if member.held_for_review:
                page.no_suggestions_because = ON_HOLD
            else:
                found = suggestions_with_status(member, limit=SUGGESTIONS_SHOWN)
                page.suggestions = [
                    (s, peer_view(s.mentor, viewer=member)) for s in found.suggestions
                ]
                if found.waiting_for_room:
                    page.no_suggestions_because = WAITING_FOR_ROOM
                else:
                    page.no_suggestions_because = "" if found.suggestions else NO_MENTOR_FITS
    else:
        page.requests_waiting = sorted(
            (p for p in pairs if p.stage == PairStage.REQUESTED),
            key=lambda p: (p.match.sent_to_mentor_at or p.match.created_at, p.match.pk),
        )
        if member.vetting_status == VettingStatus.APPROVED:
            states = [pair.match.state for pair in active]
            page.room_left = max(places_free(member.capacity, states, taken_by=Places.FILLED), 0)
    page.checkins = _checkin_cards(member, pairs, now)
    if since is not None:
        page.changes = _changes(member, pairs, page.checkins, since)
    return page
