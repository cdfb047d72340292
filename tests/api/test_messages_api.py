"""GET/POST /api/v1/matches/<match_id>/messages/: a conversation over the API, with a
`since` cursor, the peer named only as they share, and the sending rules of the page."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from api import services as api_services
from matching.models import MatchState
from members import services as member_services
from messaging import selectors as message_selectors
from messaging import services as message_services
from messaging.models import Message
from safety.services import member_block
from tests.api.conftest import bearer
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db


def url(match) -> str:
    return reverse("api:v1:messages", args=[match.pk])


@pytest.fixture
def match(newcomer, mentor):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    message_services.conversation_start(match=match)
    return match


def send(client, match, text, **data):
    return client.post(url(match), {"text": text, **data}, content_type="application/json")


def write(match, sender, *texts):
    for text in texts:
        message_services.send_message(member=sender, match_id=match.pk, text=text)


def test_the_url_is_versioned(match):
    assert url(match) == f"/api/v1/matches/{match.pk}/messages/"


def test_both_sides_read_the_conversation_oldest_first(newcomer_client, mentor_client, match):
    assert send(newcomer_client, match, "Hi Bob").status_code == 201
    assert send(mentor_client, match, "Hi Alice").status_code == 201
    results = newcomer_client.get(url(match)).json()["results"]
    assert [(m["sender"], m["mine"], m["text"]) for m in results] == [
        ("You", True, "Hi Bob"),
        ("Bob", False, "Hi Alice"),
    ]
    mentor_view = mentor_client.get(url(match)).json()["results"]
    assert [m["sender"] for m in mentor_view] == ["Alice", "You"]


def test_since_fetches_what_came_since_without_repeats(newcomer_client, newcomer, mentor, match):
    write(match, newcomer, "one", "two", "three")
    first = newcomer_client.get(url(match), {"page_size": 2}).json()
    assert [m["text"] for m in first["results"]] == ["one", "two"]
    assert "since=" in first["next"]
    write(match, mentor, "four")
    following = newcomer_client.get(first["next"]).json()
    assert [m["text"] for m in following["results"]] == ["three", "four"]


def test_next_on_the_last_page_keeps_polling_for_new_messages(
    newcomer_client, newcomer, mentor, match
):
    write(match, newcomer, "one", "two")
    first = newcomer_client.get(url(match)).json()
    assert [m["text"] for m in first["results"]] == ["one", "two"]
    nothing_new = newcomer_client.get(first["next"]).json()
    assert nothing_new["results"] == []
    assert nothing_new["next"] == first["next"]
    write(match, mentor, "three")
    following = newcomer_client.get(nothing_new["next"]).json()
    assert [m["text"] for m in following["results"]] == ["three"]
    assert newcomer_client.get(following["next"]).json()["results"] == []


def test_reading_over_the_api_marks_the_messages_read(newcomer_client, newcomer, mentor, match):
    write(match, mentor, "one", "two")
    assert message_selectors.unread_count(newcomer) == 2
    newcomer_client.get(url(match))
    assert message_selectors.unread_count(newcomer) == 0


def test_a_bad_cursor_is_404_not_500(newcomer_client, match):
    response = newcomer_client.get(url(match), {"since": "made-up"})
    assert response.status_code == 404


@pytest.mark.parametrize("made_up", ["", "cD0y", "cD0yMDI2LTAxLTAx", "bz0x"])
def test_a_made_up_cursor_that_decodes_is_404_not_the_first_page(
    newcomer_client, newcomer, match, made_up
):
    """Base64 of "p=2", "p=2026-01-01", "o=1", or nothing: well-formed, yet not made here."""
    write(match, newcomer, "one")
    response = newcomer_client.get(url(match), {"since": made_up})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_revoking_consent_takes_effect_on_the_peers_next_call(
    newcomer_client, mentor_client, newcomer, match
):
    write(match, newcomer, "hello")
    assert mentor_client.get(url(match)).json()["results"][0]["sender"] == "Alice"
    response = newcomer_client.patch(
        "/api/v1/me/", {"share_display_name": False}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert mentor_client.get(url(match)).json()["results"][0]["sender"] == "A peer"


def test_a_removed_message_shows_as_removed_with_no_text(mentor_client, newcomer, match):
    write(match, newcomer, "something personal")
    member_services.delete_account(member=newcomer)
    (message,) = mentor_client.get(url(match)).json()["results"]
    assert message["removed"] is True
    assert message["text"] == ""
    assert "something personal" not in str(message)


def test_a_crisis_phrase_is_sent_and_the_answer_says_so(newcomer_client, match):
    response = send(newcomer_client, match, "Some days I want to die")
    assert response.status_code == 201
    body = response.json()
    assert body["crisis"] is True
    assert body["crisis_resources"]
    assert body["crisis_notice"]
    assert body["staff_told"] is True, "the programme's alert is on by default"
    assert Message.objects.get().text == "Some days I want to die"
    calm = send(newcomer_client, match, "See you Tuesday").json()
    assert calm["crisis"] is False
    assert calm["crisis_resources"] is None
    assert calm["staff_told"] is False


@override_settings(PEERLINK_MESSAGE_RATE_LIMIT=(2, 600))
def test_too_many_messages_is_429(newcomer_client, match):
    assert send(newcomer_client, match, "one").status_code == 201
    assert send(newcomer_client, match, "two").status_code == 201
    response = send(newcomer_client, match, "three")
    assert response.status_code == 429
    assert "wait a few minutes" in response.json()["error"]["message"]
    assert 0 < int(response["Retry-After"]) <= 600
    assert Message.objects.count() == 2


def test_an_ended_match_can_be_read_but_not_written_409(newcomer_client, newcomer, match):
    write(match, newcomer, "before")
    match.state = MatchState.ENDED
    match.save()
    response = send(newcomer_client, match, "after")
    assert response.status_code == 409
    assert "ended" in response.json()["error"]["message"]
    assert [m["text"] for m in newcomer_client.get(url(match)).json()["results"]] == ["before"]


def test_after_a_block_sending_is_409(newcomer_client, newcomer, mentor, match):
    member_block(blocker=mentor, blocked=newcomer)
    assert send(newcomer_client, match, "hello?").status_code == 409
    assert not Message.objects.exists()


@pytest.mark.parametrize("data", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001}])
def test_an_empty_or_long_message_is_refused(newcomer_client, match, data):
    response = newcomer_client.post(url(match), data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["text"]
    assert not Message.objects.exists()


def test_the_same_token_sends_one_message(newcomer_client, match):
    first = send(newcomer_client, match, "once", token="abc123")
    second = send(newcomer_client, match, "once", token="abc123")
    assert first.json()["message"]["id"] == second.json()["message"]["id"]
    assert Message.objects.count() == 1


def test_the_same_token_in_another_conversation_sends_another_message(mentor_client, match):
    other = ActiveMatchFactory(mentor=match.mentor)
    message_services.conversation_start(match=other)
    first = send(mentor_client, match, "To Alice", token="abc123")
    second = send(mentor_client, other, "To someone else", token="abc123")
    assert second.status_code == 201
    assert second.json()["message"]["text"] == "To someone else"
    assert first.json()["message"]["id"] != second.json()["message"]["id"]
    other_texts = [m["text"] for m in mentor_client.get(url(other)).json()["results"]]
    assert other_texts == ["To someone else"]


def test_someone_elses_conversation_is_404_to_read_and_to_write(newcomer_client):
    other = ActiveMatchFactory()
    write(other, other.newcomer, "private")
    assert newcomer_client.get(url(other)).status_code == 404
    assert send(newcomer_client, other, "hi").status_code == 404
    assert Message.objects.count() == 1
    assert newcomer_client.get("/api/v1/matches/99999999999999999999/messages/").status_code == 404


def test_a_mentor_sees_nothing_of_a_request_staff_have_not_approved(mentor_client, mentor):
    pending = ActiveMatchFactory(mentor=mentor, state=MatchState.PENDING_APPROVAL)
    message_services.request_note_add(match=pending, note="please")
    assert mentor_client.get(url(pending)).status_code == 404


def test_a_token_works_and_a_revoked_one_gets_401(newcomer, match):
    token, secret = api_services.personal_token_create(member=newcomer, name="phone")
    client = Client(**bearer(secret))
    assert send(client, match, "from my phone").status_code == 201
    api_services.personal_token_revoke(member=newcomer, token_id=token.pk)
    assert send(client, match, "again").status_code == 401
    assert client.get(url(match)).status_code == 401
    assert Message.objects.count() == 1


@pytest.mark.parametrize("count", [5, 50])
def test_reading_messages_takes_a_fixed_number_of_queries(
    token_client, newcomer, mentor, match, count, django_assert_max_num_queries
):
    for n in range(count):
        sender = newcomer if n % 2 else mentor
        Message.objects.create(conversation=match.conversation, sender=sender, text=f"m{n}")
    token_client.get(url(match))  # "last used" is written at most once a minute
    # The token, the match, the page, the reader's side and marking it read.
    with django_assert_max_num_queries(5):
        body = token_client.get(url(match)).json()
    assert len(body["results"]) == min(count, 50)
