import datetime
import re

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from matching import services as matching_services
from messaging import services
from messaging.models import Message, MessagingSettings, Participant
from tests.factories import ActiveMatchFactory, NewcomerFactory

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def page(match):
    return reverse("messaging:conversation", args=[match.pk])


def send_url(match):
    return reverse("messaging:send", args=[match.pk])


def new_url(match, after=0):
    return reverse("messaging:new", args=[match.pk]) + f"?after={after}"


def test_the_page_shows_messages_oldest_first_with_the_peer_named_as_they_share(
    match, newcomer, mentor, newcomer_client
):
    mentor.share_display_name = False
    mentor.save()
    services.send_message(member=newcomer, match_id=match.pk, text="First")
    services.send_message(member=mentor, match_id=match.pk, text="Second")
    html = newcomer_client.get(page(match)).content.decode()
    assert html.index("First") < html.index("Second")
    assert "Messages with A peer" in html and "Bob" not in html
    assert "Today" in html
    assert html.count(">Report</a>") == 1  # only next to the peer's message


def test_times_show_in_the_readers_time_zone(match, newcomer, mentor, newcomer_client):
    mentor.time_zone = "Australia/Sydney"
    mentor.save()
    with time_machine.travel(datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC)):
        services.send_message(member=newcomer, match_id=match.pk, text="Late")
    with time_machine.travel(datetime.datetime(2026, 3, 3, 12, 0, tzinfo=datetime.UTC)):
        newcomer_html = newcomer_client.get(page(match)).content.decode()  # New York
        mentor_client = Client()
        mentor_client.force_login(mentor.user)
        mentor_html = mentor_client.get(page(match)).content.decode()
    assert ">18:30</time>" in newcomer_html and "Yesterday" in newcomer_html
    assert ">10:30</time>" in mentor_html and "Today" in mentor_html


def test_script_and_html_are_shown_escaped_and_links_visible(match, mentor, newcomer_client):
    services.send_message(
        member=mentor, match_id=match.pk, text="<script>alert('x')</script> https://aa.org/x"
    )
    html = newcomer_client.get(page(match)).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert (
        '<a href="https://aa.org/x" rel="nofollow noopener" target="_blank">https://aa.org/x</a>'
        in html
    )


def test_sending_without_javascript_redirects_back_to_the_conversation(match, newcomer_client):
    response = newcomer_client.post(send_url(match), {"text": "Hello there"})
    assert response.status_code == 302 and response["Location"] == page(match)
    assert "Hello there" in newcomer_client.get(page(match)).content.decode()


@pytest.mark.parametrize(
    ("text", "error"),
    [("   ", "Write a message first."), ("é" * 2001, "Please keep your message under 2,000")],
)
def test_an_empty_or_oversized_message_shows_the_error_and_keeps_the_text(
    match, newcomer_client, text, error
):
    response = newcomer_client.post(send_url(match), {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    if text.strip():
        assert text in html  # nothing lost
    assert not Message.objects.exists()
    json_response = newcomer_client.post(send_url(match), {"text": text}, **JSON)
    assert json_response.status_code == 400 and error in json_response.json()["error"]


def test_sending_with_javascript_returns_the_rendered_message(match, newcomer_client):
    response = newcomer_client.post(send_url(match), {"text": "<b>hi</b>"}, **JSON)
    assert response.status_code == 201
    data = response.json()
    assert data["crisis"] is False
    assert "&lt;b&gt;hi&lt;/b&gt;" in data["message"]["html"]
    assert data["message"]["id"] == Message.objects.get().pk


def test_a_crisis_phrase_shows_the_sender_the_crisis_resources_at_once(match, newcomer_client):
    response = newcomer_client.post(
        send_url(match), {"text": "I might overdose tonight"}, follow=True
    )
    html = response.content.decode()
    assert "I might overdose tonight" in html
    assert "have to face this alone" in html and "tel:988" in html
    assert reverse("safety:help_now") in html
    # Only once: the next visit is an ordinary page.
    assert "face this alone" not in newcomer_client.get(page(match)).content.decode()
    data = newcomer_client.post(send_url(match), {"text": "I want to die"}, **JSON).json()
    assert data["crisis"] is True and "tel:988" in data["message"]["crisis_html"]


@override_settings(PEERLINK_MESSAGE_RATE_LIMIT=(2, 600))
def test_a_flood_gets_a_clear_message_and_keeps_the_text(match, newcomer_client):
    for n in range(2):
        newcomer_client.post(send_url(match), {"text": f"Message {n}"})
    response = newcomer_client.post(send_url(match), {"text": "Third in a row"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "sending a lot of messages quickly" in html and "Third in a row" in html
    json_response = newcomer_client.post(send_url(match), {"text": "Fourth"}, **JSON)
    assert json_response.status_code == 429
    assert "Please wait a few minutes" in json_response.json()["error"]
    assert Message.objects.count() == 2


def test_an_ended_match_is_read_only_and_sending_is_refused(
    match, newcomer, mentor, newcomer_client
):
    services.send_message(member=mentor, match_id=match.pk, text="Take care")
    matching_services.match_end(match_id=match.pk, ended_by="mentor", member=mentor, reason="Done")
    html = newcomer_client.get(page(match)).content.decode()
    assert "This match has ended. You can still read your messages." in html
    assert "Take care" in html and 'id="message-form"' not in html
    response = newcomer_client.post(send_url(match), {"text": "Wait"}, **JSON)
    assert response.status_code == 409 and "This match has ended" in response.json()["error"]
    response = newcomer_client.post(send_url(match), {"text": "Wait"})
    assert "This match has ended" in response.content.decode()
    assert Message.objects.count() == 1


def test_an_empty_conversation_shows_the_programmes_first_steps(
    match, newcomer_client, mentor_client
):
    MessagingSettings.objects.update_or_create(
        pk=1, defaults={"first_steps": "Say hello and when you're usually free\nWhat helped you?"}
    )
    for client in (newcomer_client, mentor_client):
        html = client.get(page(match)).content.decode()
        assert "Say hello and when you&#x27;re usually free" in html
        assert "What helped you?" in html
    services.send_message(member=match.newcomer, match_id=match.pk, text="Hi")
    assert "What helped you?" not in newcomer_client.get(page(match)).content.decode()


def test_new_answers_304_while_nothing_changed_then_the_new_message(
    match, newcomer, mentor, mentor_client
):
    first = services.send_message(member=newcomer, match_id=match.pk, text="One")
    response = mentor_client.get(new_url(match, 0))
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["messages"]] == [first.pk]
    etag = response["ETag"]
    participant = Participant.objects.get(conversation__match=match, member=mentor)
    assert participant.last_read_message_id == first.pk and participant.last_seen_at

    unchanged = mentor_client.get(new_url(match, first.pk), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304

    second = services.send_message(member=newcomer, match_id=match.pk, text="Two <i>")
    changed = mentor_client.get(new_url(match, first.pk), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    [message] = changed.json()["messages"]
    assert message["id"] == second.pk and "Two &lt;i&gt;" in message["html"]


def test_the_check_keeps_last_seen_fresh_for_the_email_outbox(match, mentor, mentor_client):
    etag = mentor_client.get(new_url(match))["ETag"]
    participant = Participant.objects.get(conversation__match=match, member=mentor)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        assert mentor_client.get(new_url(match), HTTP_IF_NONE_MATCH=etag).status_code == 304
        later = Participant.objects.get(pk=participant.pk).last_seen_at
    assert later > participant.last_seen_at


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "", "9" * 30])
def test_a_nonsense_cursor_gets_a_clear_400(match, newcomer_client, after):
    response = newcomer_client.get(reverse("messaging:new", args=[match.pk]) + f"?after={after}")
    assert response.status_code == 400
    assert response.json() == {
        "error": "This conversation has changed since the page was opened. Reload the page."
    }


def test_a_stale_cursor_or_one_from_another_conversation_gets_a_400(match, newcomer_client):
    other = ActiveMatchFactory()
    theirs = services.send_message(member=other.newcomer, match_id=other.pk, text="Not yours")
    for after in (theirs.pk, 987654321):
        response = newcomer_client.get(new_url(match, after))
        assert response.status_code == 400 and "Reload the page" in response.json()["error"]


def test_unread_counts_show_in_the_navigation_my_match_and_inbox(
    match, newcomer, mentor, newcomer_client, mentor_client
):
    services.send_message(member=newcomer, match_id=match.pk, text="One")
    services.send_message(member=newcomer, match_id=match.pk, text="Two")
    inbox = mentor_client.get(reverse("matching:inbox")).content.decode()
    # Unread messages have their own label; the Requests badge counts only requests.
    assert re.search(r"Requests <span class=\"badge badge-messages\">2 unread", inbox)
    assert page(match) in inbox and "2 unread" in inbox
    mentor_client.get(page(match))
    inbox = mentor_client.get(reverse("matching:inbox")).content.decode()
    assert "unread" not in inbox
    status = newcomer_client.get(reverse("matching:status")).content.decode()
    assert page(match) in status


def test_the_mentor_reads_the_note_with_the_request_escaped(newcomer, mentor, mentor_client):
    matching_services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=None, note="You run <b>marathons</b>"
    )
    inbox = mentor_client.get(reverse("matching:inbox")).content.decode()
    assert "You run &lt;b&gt;marathons&lt;/b&gt;" in inbox


def test_the_newcomer_can_add_a_note_on_the_request_form(newcomer, mentor, newcomer_client):
    suggestions = newcomer_client.get(reverse("matching:suggestions")).content.decode()
    assert "Why did you choose this mentor? (optional, up to 500 characters)" in suggestions
    newcomer_client.post(reverse("matching:request"), {"mentor": mentor.pk, "note": "Same city"})
    assert Message.objects.get().text == "Same city"


def test_a_mentor_sees_no_conversation_of_a_request_staff_have_not_approved(
    newcomer, mentor, mentor_client
):
    from matching.models import MatchingSettings

    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    match = matching_services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=None, note="Private until approved"
    )
    assert mentor_client.get(page(match)).status_code == 404
    assert mentor_client.get(new_url(match)).status_code == 404
    assert (
        "Private until approved"
        not in mentor_client.get(reverse("matching:inbox")).content.decode()
    )


URLS = [
    ("messaging:conversation", "get", {}),
    ("messaging:send", "post", {"text": "Hello"}),
    ("messaging:new", "get", {"after": "0"}),
]


@pytest.mark.parametrize(("name", "method", "data"), URLS)
def test_another_pairs_conversation_is_a_404_like_a_missing_one(match, name, method, data):
    outsider = NewcomerFactory()
    ActiveMatchFactory(newcomer=outsider)
    client = Client()
    client.force_login(outsider.user)
    theirs = getattr(client, method)(reverse(name, args=[match.pk]), data)
    missing = getattr(client, method)(reverse(name, args=[987654321]), data)
    assert theirs.status_code == missing.status_code == 404
    assert not Message.objects.exists()


def test_a_resent_form_sends_nothing_twice(match, newcomer_client):
    html = newcomer_client.get(page(match)).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    for _ in range(2):
        response = newcomer_client.post(send_url(match), {"text": "Once", "token": token})
        assert response.status_code == 302
    data = newcomer_client.post(send_url(match), {"text": "Once", "token": token}, **JSON).json()
    assert Message.objects.count() == 1 and data["message"]["id"] == Message.objects.get().pk
    assert data["token"] != token  # the page's next message gets a fresh one


def test_a_request_not_yet_accepted_is_read_only_for_now(newcomer, mentor, newcomer_client):
    match = matching_services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=None, note="Hello"
    )
    html = newcomer_client.get(page(match)).content.decode()
    assert "You can write to each other once the request is accepted." in html
    response = newcomer_client.post(send_url(match), {"text": "Hi?"}, **JSON)
    assert response.status_code == 409
    assert response.json()["error"] == "You can write to each other once the request is accepted."


def test_an_ended_match_on_my_match_links_to_its_messages(match, mentor, newcomer_client):
    matching_services.match_end(match_id=match.pk, ended_by="mentor", member=mentor, reason="Done")
    assert page(match) in newcomer_client.get(reverse("matching:status")).content.decode()
