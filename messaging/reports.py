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

    Only a side of the match may report, only a message in that match's
    conversation, and only one the other side wrote that still has its text.
    """
    return (
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


def context_for_staff(message: Message) -> list[Message]:
    """Return the reported `message` and up to ten before it in its conversation, oldest first."""
    before = list(
        Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk)
        .select_related("sender")
        .order_by("-pk")[:MESSAGES_BEFORE_SHOWN]
    )
    return [*reversed(before), message]
