"""The cursor pagination messages will use: oldest first, and `next` fetches what came since."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.pagination import MessageCursorPagination
from messaging.models import Conversation, Message
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db


def page(url):
    request = Request(APIRequestFactory().get(url))
    paginator = MessageCursorPagination()
    rows = paginator.paginate_queryset(Message.objects.all(), request)
    return [message.text for message in rows], paginator.get_next_link()


def test_next_fetches_what_came_since_without_repeating_or_skipping():
    match = ActiveMatchFactory()
    conversation = Conversation.objects.create(match=match)
    for n in range(3):
        Message.objects.create(conversation=conversation, sender=match.newcomer, text=f"m{n}")
    texts, following = page("/api/v1/messages/?page_size=2")
    assert texts == ["m0", "m1"]
    Message.objects.create(conversation=conversation, sender=match.mentor, text="m3")
    texts, _ = page(following)
    assert texts == ["m2", "m3"]
