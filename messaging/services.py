"""Writes for messaging: opening a conversation, sending, marking read.

Refusals raise `MessagingError` with a message a person can read; views turn
it into a form error or a JSON error. Message text is never logged and never
passed to a task.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from matching.models import Match
from members.models import Member
from peerlink.queue import enqueue

from . import selectors
from .alerts import alert_staff_of_crisis_phrase
from .crisis import contains_crisis_phrase
from .emails import queue_message_email
from .models import MESSAGE_MAX, Conversation, Message, MessagingSettings, Participant

REQUEST_NOTE_MAX = 500
EMPTY = "Write a message first."
TOO_LONG = f"Please keep your message under {MESSAGE_MAX:,} characters."
NOT_WRITABLE = "This match has ended. You can still read your messages."
NOT_YET = "You can write to each other once the request is accepted."
RATE_LIMITED = "You're sending a lot of messages quickly. Please wait a few minutes and try again."
# Marking a conversation seen at most this often: a check with nothing new then
# costs one query.
SEEN_EVERY_SECONDS = 20


class MessagingError(Exception):
    """A message the rules do not allow; the text is for people."""


class NotWritable(MessagingError):
    pass


class RateLimited(MessagingError):
    """Too many messages; `retry_after` is how many seconds until the count starts again."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class AlreadySending(MessagingError):
    """The same form arrived twice and its first copy is still being sent."""


class ConversationNotFound(Exception):
    """No conversation of this member has this match id (the view answers 404)."""


@transaction.atomic
def conversation_start(*, match: Match) -> Conversation:
    """Return the match's conversation, creating it and both sides' rows if new."""
    conversation, created = Conversation.objects.get_or_create(match=match)
    if created:
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, member_id=match.newcomer_id),
                Participant(conversation=conversation, member_id=match.mentor_id),
            ]
        )
    return conversation


def clean_request_note(note: str) -> str:
    """Return the stripped note, or raise MessagingError if it is too long."""
    note = (note or "").strip()
    if len(note) > REQUEST_NOTE_MAX:
        raise MessagingError(f"Please keep your note under {REQUEST_NOTE_MAX} characters.")
    return note


@transaction.atomic
def request_note_add(*, match: Match, note: str) -> Message | None:
    """Open the request's conversation with the newcomer's note (if any) as its first message."""
    note = clean_request_note(note)
    conversation = conversation_start(match=match)
    if not note:
        return None
    message = Message.objects.create(
        conversation=conversation, sender_id=match.newcomer_id, text=note, is_request_note=True
    )
    Participant.objects.filter(conversation=conversation, member_id=match.newcomer_id).update(
        last_read_message_id=message.pk
    )
    return message


def _count_against_rate_limit(member: Member) -> None:
    limit, seconds = settings.PEERLINK_MESSAGE_RATE_LIMIT
    window = int(time.time() // seconds)
    key = f"messaging:rate:{member.pk}:{window}"
    cache.add(key, 0, seconds * 2)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds * 2)
        sent = 1
    if sent > limit:
        raise RateLimited(RATE_LIMITED, retry_after=seconds - int(time.time()) % seconds)


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise MessagingError(EMPTY)
    if len(text) > MESSAGE_MAX:
        raise MessagingError(TOO_LONG)
    return text


SENT_TOKEN_SECONDS = 3600
ON_ITS_WAY = "Your message is on its way."


def _sent_key(member: Member, match: Match, token: str) -> str:
    """The cache key for a form's `token` in one conversation: its digest, as the token is
    any text a client chose. The same token in another conversation is another message."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    return f"messaging:sent:{member.pk}:{match.pk}:{digest}"


def _replayed(member: Member, match: Match, token: str) -> Message | None:
    """The message already sent with this form's `token` in this conversation, if any;
    else claim the token."""
    key = _sent_key(member, match, token)
    if cache.add(key, 0, SENT_TOKEN_SECONDS):
        return None
    message_id = cache.get(key)
    if not message_id:
        raise AlreadySending(ON_ITS_WAY)
    message = Message.objects.filter(
        pk=message_id, sender=member, conversation__match=match
    ).first()
    if message is not None:
        message.has_crisis_phrase = message.staff_told = False  # shown when it was first sent
    return message


def send_message(*, member: Member, match_id: int, text: str, token: str = "") -> Message:
    """Send `text` to the member's peer in the conversation of match `match_id`.

    The returned message has `has_crisis_phrase` set: the sender's page then
    shows the crisis resources, and `staff_told`: whether staff are alerted. A
    message is never refused for its words. The same `token` (one per form
    shown) sends one message, however often it arrives.
    """
    text = clean_text(text)
    match = selectors.match_for(member, match_id)
    if match is None:
        raise ConversationNotFound
    if not selectors.can_write(match, member):
        raise NotWritable(NOT_YET if match.is_request else NOT_WRITABLE)
    if not token:
        return _send(member=member, match=match, text=text)
    replayed = _replayed(member, match, token)
    if replayed is not None:
        return replayed
    key = _sent_key(member, match, token)
    try:
        message = _send(member=member, match=match, text=text)
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, message.pk, SENT_TOKEN_SECONDS)
    return message


@transaction.atomic
def _send(*, member: Member, match: Match, text: str) -> Message:
    _count_against_rate_limit(member)
    conversation = conversation_start(match=match)
    programme = MessagingSettings.get_solo()
    crisis = contains_crisis_phrase(text, MessagingSettings.lines(programme.crisis_phrases))
    message = Message.objects.create(
        conversation=conversation, sender=member, text=text, crisis_phrase=crisis
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    Participant.objects.filter(conversation=conversation, member=member).update(
        last_read_message_id=message.pk, last_seen_at=timezone.now()
    )
    message.has_crisis_phrase = crisis
    message.staff_told = crisis and programme.alert_staff_on_crisis_phrase
    if message.staff_told:
        transaction.on_commit(lambda: enqueue(alert_staff_of_crisis_phrase, message.pk))
    queue_message_email(message)
    return message


def mark_seen(*, participant: Participant, up_to: int | None = None) -> bool:
    """Record that the member is reading and has seen messages up to id `up_to`.

    Writes nothing when neither changed (or was seen moments ago); return
    whether it wrote.
    """
    now = timezone.now()
    read_more = up_to is not None and up_to > participant.last_read_message_id
    seen_recently = (
        participant.last_seen_at is not None
        and (now - participant.last_seen_at).total_seconds() < SEEN_EVERY_SECONDS
    )
    if not read_more and seen_recently:
        return False
    changes = {"last_seen_at": now}
    if read_more:
        changes["last_read_message_id"] = Greatest(F("last_read_message_id"), up_to)
        participant.last_read_message_id = up_to
    Participant.objects.filter(pk=participant.pk).update(**changes)
    participant.last_seen_at = now
    return True
