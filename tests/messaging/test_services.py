import warnings

import pytest
from django.core import mail
from django.core.cache.backends.base import CacheKeyWarning
from django.test import override_settings

from matching import services as matching_services
from matching.models import MatchState
from messaging import selectors, services
from messaging.models import Conversation, Message, MessagingSettings, Participant
from safety import services as safety_services
from tests.factories import MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_request_opens_the_conversation_with_the_newcomers_note(newcomer, mentor):
    match = matching_services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=None, note="  You also like running.  "
    )
    conversation = Conversation.objects.get(match=match)
    assert set(conversation.participants.values_list("member_id", flat=True)) == {
        newcomer.pk,
        mentor.pk,
    }
    note = conversation.messages.get()
    assert (note.text, note.is_request_note, note.sender) == (
        "You also like running.",
        True,
        newcomer,
    )
    assert selectors.request_notes([match], match.mentor) == {match.pk: "You also like running."}
    assert selectors.unread_count(mentor) == 0  # read with the request, not counted as unread


def test_a_request_without_a_note_still_opens_an_empty_conversation(newcomer, mentor):
    match = matching_services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    assert Conversation.objects.get(match=match).messages.count() == 0


def test_an_overlong_note_refuses_the_request_and_creates_nothing(newcomer, mentor):
    with pytest.raises(matching_services.MatchError, match="under 500 characters"):
        matching_services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk], user=None, note="x" * 501
        )
    assert not Conversation.objects.exists()


def test_sending_saves_the_message_and_the_peer_sees_it_unread(match, newcomer, mentor):
    message = services.send_message(member=newcomer, match_id=match.pk, text="  Hello Bob  ")
    assert message.text == "Hello Bob"
    assert selectors.unread_count(mentor) == 1
    assert selectors.unread_by_match(mentor) == {match.pk: 1}
    assert selectors.unread_count(newcomer) == 0
    assert Conversation.objects.get(match=match).last_message_at == message.created_at


@pytest.mark.parametrize(
    ("text", "error"), [("   ", "Write a message first."), ("x" * 2001, "under 2,000")]
)
def test_empty_or_oversized_messages_are_refused(match, newcomer, text, error):
    with pytest.raises(services.MessagingError, match=error):
        services.send_message(member=newcomer, match_id=match.pk, text=text)
    assert not Message.objects.exists()


def test_an_ended_match_is_read_only(match, newcomer, mentor):
    services.send_message(member=newcomer, match_id=match.pk, text="Hi")
    matching_services.match_end(
        match_id=match.pk, ended_by="mentor", member=mentor, reason="Moving"
    )
    with pytest.raises(services.NotWritable, match="This match has ended"):
        services.send_message(member=mentor, match_id=match.pk, text="Bye")
    assert Message.objects.count() == 1


def test_blocking_ends_the_conversation_for_both_sides(match, newcomer, mentor):
    safety_services.member_block(blocker=mentor, blocked=newcomer, reason="")
    match.refresh_from_db()
    assert match.state == MatchState.ENDED
    for member in (newcomer, mentor):
        assert not selectors.can_write(match, member)
        with pytest.raises(services.NotWritable):
            services.send_message(member=member, match_id=match.pk, text="Hello?")


def test_a_block_alone_makes_an_active_match_read_only(match, newcomer, mentor):
    from matching.models import Block

    Block.objects.create(blocker=newcomer, blocked=mentor)
    assert not selectors.can_write(match, mentor)


def test_someone_elses_match_is_not_found(match):
    stranger = MentorFactory()
    with pytest.raises(services.ConversationNotFound):
        services.send_message(member=stranger, match_id=match.pk, text="Hi")


@override_settings(PEERLINK_MESSAGE_RATE_LIMIT=(3, 600))
def test_a_flood_is_rate_limited_per_member(match, newcomer, mentor):
    for n in range(3):
        services.send_message(member=newcomer, match_id=match.pk, text=f"Message {n}")
    with pytest.raises(services.RateLimited, match="sending a lot of messages quickly"):
        services.send_message(member=newcomer, match_id=match.pk, text="One more")
    services.send_message(member=mentor, match_id=match.pk, text="The other side may still write")
    assert Message.objects.count() == 4


def test_a_crisis_phrase_never_blocks_the_message_and_staff_alert_is_off_by_default(
    match, newcomer
):
    UserFactory(email="staff@example.org", is_staff=True)
    message = services.send_message(member=newcomer, match_id=match.pk, text="I want to die")
    assert message.has_crisis_phrase and Message.objects.filter(pk=message.pk).exists()
    assert mail.outbox == []


def test_staff_alert_on_a_crisis_phrase_names_no_one_and_quotes_nothing(
    match, newcomer, django_capture_on_commit_callbacks
):
    UserFactory(email="staff@example.org", is_staff=True)
    MessagingSettings.objects.update_or_create(
        pk=1, defaults={"alert_staff_on_crisis_phrase": True}
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            member=newcomer, match_id=match.pk, text="Honestly I could kill myself"
        )
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["staff@example.org"]
    body = email.subject + email.body
    assert f"message {message.pk}" in body
    # A link staff can act on: the match, with "safety concern" chosen for the audited read.
    assert f"/admin/matching/match/{match.pk}/change/?reason=safety" in body
    for private in ("kill myself", "Alice", "Bob", "alice@example.org", "Honestly"):
        assert private not in body
    # A second run of the task sends nothing.
    from messaging.alerts import alert_staff_of_crisis_phrase

    assert alert_staff_of_crisis_phrase(message.pk) is False
    assert len(mail.outbox) == 1


def test_marking_seen_records_the_read_state_and_reading_time(match, newcomer, mentor):
    message = services.send_message(member=newcomer, match_id=match.pk, text="Hi")
    participant = Participant.objects.get(conversation__match=match, member=mentor)
    assert services.mark_seen(participant=participant, up_to=message.pk)
    participant.refresh_from_db()
    assert participant.last_read_message_id == message.pk and participant.last_seen_at
    assert selectors.unread_count(mentor) == 0
    assert not services.mark_seen(participant=participant)  # seen moments ago: no write


def test_the_same_form_sent_twice_sends_one_message(match, newcomer):
    first = services.send_message(member=newcomer, match_id=match.pk, text="Hi", token="abc")
    again = services.send_message(member=newcomer, match_id=match.pk, text="Hi", token="abc")
    assert again.pk == first.pk and Message.objects.count() == 1
    services.send_message(member=newcomer, match_id=match.pk, text="Hi", token="def")
    assert Message.objects.count() == 2


def test_a_token_of_any_characters_and_length_is_a_safe_cache_key(match, newcomer):
    """An app chooses its own tokens: spaces, accents, control characters, a long one."""
    token = "é \x7f{ a token" * 40
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        first = services.send_message(member=newcomer, match_id=match.pk, text="Hi", token=token)
        again = services.send_message(member=newcomer, match_id=match.pk, text="Hi", token=token)
    assert again.pk == first.pk and Message.objects.count() == 1


@override_settings(PEERLINK_MESSAGE_RATE_LIMIT=(1, 600))
def test_a_refused_form_can_be_sent_again_later_with_its_token(match, newcomer):
    services.send_message(member=newcomer, match_id=match.pk, text="One", token="a")
    with pytest.raises(services.RateLimited):
        services.send_message(member=newcomer, match_id=match.pk, text="Two", token="b")
    with override_settings(PEERLINK_MESSAGE_RATE_LIMIT=(5, 600)):
        services.send_message(member=newcomer, match_id=match.pk, text="Two", token="b")
    assert list(Message.objects.values_list("text", flat=True)) == ["One", "Two"]
