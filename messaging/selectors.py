"""Reads for messaging. Every function runs a fixed number of queries, however
many messages or conversations there are."""

from __future__ import annotations

from django.db.models import Count, F

from matching.models import Match
from members.models import Member
from peerlink.compiled import CompiledRows

from .models import Conversation, Message, Participant
from .rules import conversation_is_open

PAGE_SIZE = 200  # messages on the page; older ones behind "Earlier messages"
NEW_BATCH = 200  # messages one "anything new?" check returns at most


def match_for(member: Member, match_id: int) -> Match | None:
    """Return the member's match `match_id` whose conversation they may read, else None
    (`Match.messages_visible_to`, the stage rule for conversations)."""
    match = Match.objects.select_related("newcomer", "mentor").filter(pk=match_id).first()
    if match is None or not match.messages_visible_to(member):
        return None
    return match


def participant_for(member: Member, match_id: int) -> Participant | None:
    """The member's side of the conversation of match `match_id`, with its match (one query)."""
    participant = (
        Participant.objects.select_related("conversation", "conversation__match")
        .filter(conversation__match_id=match_id, member=member)
        .first()
    )
    if participant is None:
        return None
    if not participant.conversation.match.messages_visible_to(member):
        return None
    return participant


def _match_of(conversation_or_match) -> Match:
    if isinstance(conversation_or_match, Conversation):
        return conversation_or_match.match
    return conversation_or_match


def can_write(conversation_or_match, member: Member) -> bool:
    """Whether `member` may send to this conversation: they are one of its two
    sides and the conversation is open (`messaging.rules.conversation_is_open`)."""
    match = _match_of(conversation_or_match)
    return member.pk in (match.newcomer_id, match.mentor_id) and conversation_is_open(match)


def latest_messages(conversation: Conversation, *, before: int | None = None) -> list[Message]:
    """The last PAGE_SIZE messages (before message id `before`, if given), oldest first;
    one more is fetched to tell whether earlier ones exist (see `has_earlier`)."""
    messages = conversation.messages.order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(messages[: PAGE_SIZE + 1])
    page.reverse()
    return page


def messages_after(conversation: Conversation, after: int) -> list[Message] | None:
    """Messages after id `after`, oldest first (at most NEW_BATCH).

    None when `after` is not 0 and not a message of this conversation: the
    reader's cursor is stale or made up.
    """
    rows = list(conversation.messages.filter(id__gte=after).order_by("id")[: NEW_BATCH + 1])
    if after:
        if not rows or rows[0].pk != after:
            return None
        rows = rows[1:]
    return rows[:NEW_BATCH]


def unread_count(member: Member) -> int:
    """Messages from peers the member has not seen yet, in all their conversations."""
    return sum(unread_by_match(member).values())


def _unread(member: int):
    return (
        Message.objects.filter(
            conversation__participants__member_id=member,
            id__gt=F("conversation__participants__last_read_message_id"),
            is_request_note=False,  # the mentor reads it with the request
        )
        .exclude(sender_id=member)
        .values("conversation__match_id")
        .annotate(unread=Count("id"))
        .values_list("conversation__match_id", "unread")
    )


# Read on nearly every page (the header's count): compiled once per process.
_unread_by_match = CompiledRows(_unread)


def unread_by_match(member: Member) -> dict[int, int]:
    """{match id: unread messages} for the member's conversations with any unread."""
    return dict(_unread_by_match.rows(member=member.pk))


def request_notes(matches, member: Member) -> dict[int, str]:
    """{match id: the newcomer's note sent with the request} for those of `matches`
    whose conversation `member` may read."""
    readable = [match.pk for match in matches if match.messages_visible_to(member)]
    rows = Message.objects.filter(
        conversation__match_id__in=readable, is_request_note=True, removed_at=None
    ).values_list("conversation__match_id", "text")
    return dict(rows)


def messages_in(match: Match):
    """Every message of the match's conversation (a queryset, for the API's cursor pages).

    Call it only with a match from `match_for`, which checks that the member may read it.
    """
    return Message.objects.filter(conversation__match_id=match.pk)
