"""Reading reported messages: which message a member may report, and what staff see.

Staff never browse conversations. The only message text the admin shows is a
reported message and the ten before it, on the report's page, after the audit
step; `context_for_staff` is the one place that reads it.
"""

from django.db.models import Q

from members.models import Member

from .models import Message

MESSAGES_BEFORE_SHOWN = 10


def reportable_message(member: Member, *, match_id: int, message_id: int) -> Message | None:
    """Return the message `member` may report, or None.

    Only a side of the match who may read its conversation now may report,
    only a message in that match's conversation, and only one the other side
    wrote that still has its text.
    """
    message = (
        Message.objects.filter(
            pk=message_id,
            conversation__match_id=match_id,
            removed_at__isnull=True,
        )
        .filter(
            Q(conversation__match__newcomer=member) | Q(conversation__match__mentor=member),
        )
        .exclude(sender=member)
        .select_related("conversation__match", "sender")
        .first()
    )
    if message is None or not message.conversation.match.messages_visible_to(member):
        return None
    return message


def context_for_staff(message: Message) -> list[Message]:
    """Return the reported `message` and up to ten before it in its conversation, oldest first.

    The newcomer's note with the request is never among them: it is for the
    mentor with the request only, never for staff pages.
    """
    before = list(
        Message.objects.filter(
            conversation_id=message.conversation_id, pk__lt=message.pk, is_request_note=False
        )
        .select_related("sender")
        .order_by("-pk")[:MESSAGES_BEFORE_SHOWN]
    )
    return [*reversed(before), message]
