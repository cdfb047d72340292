"""A conversation written straight to the database, for tests of what happens to it."""

from messaging.models import Conversation, Message, Participant
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory


def active_pair(newcomer_name="Robin", mentor_name="Casey"):
    newcomer = NewcomerFactory(display_name=newcomer_name)
    mentor = MentorFactory(display_name=mentor_name)
    return newcomer, mentor, ActiveMatchFactory(newcomer=newcomer, mentor=mentor)


def talk(match, *lines) -> list[Message]:
    """Write `lines`, alternating newcomer then mentor, into `match`'s conversation."""
    conversation, _ = Conversation.objects.get_or_create(match=match)
    for member in (match.newcomer, match.mentor):
        Participant.objects.get_or_create(conversation=conversation, member=member)
    sides = [match.newcomer, match.mentor]
    written = [
        Message.objects.create(conversation=conversation, sender=sides[n % 2], text=text)
        for n, text in enumerate(lines)
    ]
    if written:
        conversation.last_message_at = written[-1].created_at
        conversation.save(update_fields=["last_message_at"])
    return written
