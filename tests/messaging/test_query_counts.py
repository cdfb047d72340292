"""Opening a conversation, the "anything new?" check and sending each run a fixed
number of queries, whatever the number of messages or conversations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins.models import CheckinSettings
from messaging.models import Message, MessagingSettings
from messaging.services import conversation_start
from tests.factories import ActiveMatchFactory, NewcomerFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _fill(match, count):
    conversation = conversation_start(match=match)
    Message.objects.bulk_create(
        Message(conversation=conversation, sender_id=sender, text=f"Message {n}")
        for n, sender in zip(
            range(count), [match.newcomer_id, match.mentor_id] * count, strict=False
        )
    )


def _world(mentor, messages, conversations):
    """The mentor's first match has `messages` messages; `conversations` in all."""
    matches = [ActiveMatchFactory(mentor=mentor) for _ in range(conversations)]
    for match in matches:
        _fill(match, messages if match is matches[0] else 3)
    return matches[0]


def _queries(client, method, url, **request):
    return count_queries(
        client,
        url,
        method=method,
        warm_up=False,
        ok=lambda response: response.status_code in (200, 201, 302, 304),
        **request,
    )


@pytest.mark.parametrize(
    "action",
    ["page", "new", "new_unchanged", "send", "inbox"],
)
def test_each_action_runs_the_same_queries_for_5_or_500_messages_and_1_or_20_conversations(
    mentor, mentor_client, action
):
    mentor_client.get(reverse("members:profile"))  # the session's once-only work
    counts = []
    for messages, conversations in [(5, 1), (500, 20)]:
        Message.objects.all().delete()
        match = _world(mentor, messages, conversations)
        # The programme's rows exist, as after the first message.
        MessagingSettings.get_solo()
        CheckinSettings.get_solo()
        new = reverse("messaging:new", args=[match.pk])
        last = Message.objects.filter(conversation__match=match).latest("id").pk
        if action == "page":
            count = _queries(
                mentor_client, "get", reverse("messaging:conversation", args=[match.pk])
            )
        elif action == "new":
            count = _queries(mentor_client, "get", new + "?after=0")
        elif action == "new_unchanged":
            etag = mentor_client.get(new + f"?after={last}")["ETag"]
            count = _queries(mentor_client, "get", new + f"?after={last}", HTTP_IF_NONE_MATCH=etag)
        elif action == "send":
            url = reverse("messaging:send", args=[match.pk])
            count = _queries(mentor_client, "post", url, data={"text": "Hello"})
        else:
            count = _queries(mentor_client, "get", reverse("matching:inbox"))
        counts.append(count)
    assert counts[0] == counts[1], counts


def test_a_304_costs_the_session_the_member_and_one_indexed_query(
    mentor, mentor_client, django_assert_max_num_queries
):
    match = _world(mentor, 50, 2)
    new = reverse("messaging:new", args=[match.pk])
    last = Message.objects.filter(conversation__match=match).latest("id").pk
    etag = mentor_client.get(new + f"?after={last}")["ETag"]
    # session, user, member, participant with its conversation and match
    with django_assert_max_num_queries(4):
        response = mentor_client.get(new + f"?after={last}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_a_long_conversation_shows_the_last_200_with_a_link_to_earlier_ones(mentor, mentor_client):
    match = _world(mentor, 450, 1)
    html = mentor_client.get(reverse("messaging:conversation", args=[match.pk])).content.decode()
    assert "Message 449" in html and "Message 250" in html and "Message 249<" not in html
    assert "Earlier messages" in html
    earlier = Message.objects.filter(conversation__match=match, text="Message 250").get().pk
    html = mentor_client.get(
        reverse("messaging:conversation", args=[match.pk]) + f"?before={earlier}"
    ).content.decode()
    assert "Message 249<" in html and "Message 50<" in html and "Message 250<" not in html
    assert 'id="message-form"' not in html and "Newest messages" in html


def test_the_navigation_count_is_one_query(newcomer_client, newcomer):
    for _ in range(3):
        match = ActiveMatchFactory(newcomer=NewcomerFactory())
        _fill(match, 5)
    with CaptureQueriesContext(connection) as captured:
        newcomer_client.get(reverse("matching:status"))
    unread_queries = [q for q in captured if "last_read_message_id" in q["sql"]]
    # The page's own count per match; the navigation's total is their sum, not a
    # second query (tests/test_words_requests_badge.py checks the total it shows).
    assert len(unread_queries) == 1
