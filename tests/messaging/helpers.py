"""Conversations and messages for the email tests.

Messages are written with the models and then queued with
`messaging.emails.queue_message_email`, which is what
`messaging.services.send_message` does after saving a message.
"""

from __future__ import annotations

from django.utils import timezone

from messaging.emails import queue_message_email
from messaging.models import Conversation, Message, Participant
from tests.factories import ActiveMatchFactory


def conversation(**match_fields) -> Conversation:
    """An active match's conversation, with a participant row for each side."""
    match = ActiveMatchFactory(**match_fields)
    conv = Conversation.objects.create(match=match)
    for member in (match.newcomer, match.mentor):
        Participant.objects.create(conversation=conv, member=member)
    return conv


def write(conv: Conversation, sender, text: str = "Hello there") -> Message:
    """Save a message as sending does, and queue its email, in one transaction."""
    message = Message.objects.create(conversation=conv, sender=sender, text=text)
    Conversation.objects.filter(pk=conv.pk).update(last_message_at=timezone.now())
    queue_message_email(message)
    return message


def read_all(conv: Conversation, member) -> None:
    last = conv.messages.order_by("-pk").values_list("pk", flat=True).first() or 0
    Participant.objects.filter(conversation=conv, member=member).update(
        last_read_message_id=last, last_seen_at=timezone.now()
    )
