"""Messaging's part of a member's data: their conversations, what they wrote and
when they last read and were emailed (`members.privacy`)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from matching.models import Match, ReportStatus
from matching.selectors import matches_past_retention
from members.models import Member
from members.privacy import (
    ExportContext,
    MemberData,
    export_time,
    name_pattern,
    register,
    remove_name,
)
from members.visibility import peer_view

from .models import Conversation, Message, MessageEmail, Participant


def export(member: Member, context: ExportContext) -> dict:
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
                "written": export_time(message.created_at),
                "text": message.text,
                "removed": export_time(message.removed_at),
                "note_with_the_request": message.is_request_note,
            }
        )
    rows = []
    for pk, conversation in by_id.items():
        participant = read_state.get(pk)
        rows.append(
            {
                "match": conversation.match_id,
                "started": export_time(conversation.created_at),
                "last_seen": export_time(participant.last_seen_at) if participant else None,
                "last_emailed": export_time(participant.last_emailed_at) if participant else None,
                "messages": messages[pk],
            }
        )
    return {"conversations": rows}


def erase(member: Member) -> None:
    """Remove every message the leaving member wrote (the peer keeps the conversation,
    with "message removed" in place of each) and their name from their peers' messages."""
    Message.objects.filter(sender=member, removed_at__isnull=True).update(
        text="", removed_at=timezone.now()
    )
    pattern = name_pattern(member.display_name)
    if pattern is None:
        return
    theirs = Match.objects.filter(Q(newcomer=member) | Q(mentor=member))
    remove_name(
        Message.objects.filter(conversation__match__in=theirs, removed_at__isnull=True).exclude(
            sender=member
        ),
        "text",
        pattern,
    )


def purge(now: datetime.datetime) -> dict[str, int]:
    """Remove the messages of conversations on requests and matches closed longer than
    the retention period, unless a report on one of them is still open."""
    conversations = Conversation.objects.filter(match__in=matches_past_retention(now)).exclude(
        messages__reports__status=ReportStatus.OPEN
    )
    purged = Message.objects.filter(
        conversation__in=conversations.values("pk"), removed_at__isnull=True
    ).update(text="", removed_at=now)
    return {"messages_purged": purged}


register(
    MemberData(
        app_label="messaging",
        models=(Message, Participant),
        kept={
            MessageEmail: (
                "the outbox of 'your peer wrote' emails, which carry no text; when the member "
                "was last emailed is in their conversations"
            ),
        },
        export=export,
        erase=erase,
        purge=purge,
    )
)
