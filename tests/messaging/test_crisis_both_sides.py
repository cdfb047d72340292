"""A crisis phrase reaches a person on both sides: the sender sees the lines and whether
staff were told; the peer who reads it sees calm guidance and can tell staff in one tap."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from messaging.alerts import alert_staff_of_crisis_phrase
from messaging.models import Message, MessagingSettings
from messaging.services import send_message
from safety.models import HelpRequest, HoldReason
from tests.factories import ActiveMatchFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
WORDS = "Honestly some nights I want to die"
PANEL = "If your peer might not be safe"


def send_url(match):
    return reverse("messaging:send", args=[match.pk])


def page(match):
    return reverse("messaging:conversation", args=[match.pk])


def tell_url(match, message):
    return reverse("safety:tell_staff", args=[match.pk, message.pk])


@pytest.fixture
def crisis_message(match, newcomer_client):
    newcomer_client.post(send_url(match), {"text": WORDS})
    return Message.objects.get()


def test_staff_are_alerted_of_crisis_phrases_by_default():
    assert MessagingSettings.get_solo().alert_staff_on_crisis_phrase is True


def test_the_sender_is_told_that_staff_were_told(
    match, newcomer_client, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = newcomer_client.post(send_url(match), {"text": WORDS}, follow=True)

    html = response.content.decode()
    assert "We have let our staff know" in html and "tel:988" in html
    assert len(mail.outbox) == 1
    assert WORDS not in mail.outbox[0].body and "Alice" not in mail.outbox[0].body


def test_the_sender_is_told_when_staff_were_not_told(match, newcomer_client):
    MessagingSettings.objects.update_or_create(
        pk=1, defaults={"alert_staff_on_crisis_phrase": False}
    )

    data = newcomer_client.post(send_url(match), {"text": WORDS}, **JSON).json()

    assert "Our staff have not been told" in data["message"]["crisis_html"]


def test_the_reading_peer_sees_calm_guidance_the_configured_lines_and_one_tap_to_staff(
    match, crisis_message, mentor_client, settings
):
    settings.PEERLINK_CRISIS_RESOURCES = [
        {"label": "Samaritans", "detail": "Call 116 123", "href": "tel:116123"}
    ]
    html = mentor_client.get(page(match)).content.decode()

    assert WORDS in html and PANEL in html
    assert 'href="tel:116123"' in html and "Samaritans" in html
    assert tell_url(match, crisis_message) in html
    assert "Include the message" in html


def test_the_sender_does_not_see_the_peer_panel_on_their_own_message(
    match, crisis_message, newcomer_client
):
    assert PANEL not in newcomer_client.get(page(match)).content.decode()


def test_the_panel_comes_with_a_message_that_arrives_live(match, crisis_message, mentor_client):
    response = mentor_client.get(reverse("messaging:new", args=[match.pk]) + "?after=0", **JSON)

    html = response.json()["messages"][0]["html"]
    assert PANEL in html and tell_url(match, crisis_message) in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_telling_staff_holds_the_sender_and_alerts_staff_without_quoting(
    match,
    crisis_message,
    mentor,
    mentor_client,
    newcomer,
    staff_user,
    django_capture_on_commit_callbacks,
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = mentor_client.post(tell_url(match, crisis_message), follow=True)

    assert "Our staff were told at" in response.content.decode()
    assert "You told our staff at" in response.content.decode()
    concern = HelpRequest.objects.get()
    assert concern.reason == HoldReason.PEER_CONCERN
    assert (concern.member, concern.match, concern.raised_by) == (newcomer, match, mentor)
    assert concern.message is None
    newcomer.refresh_from_db()
    assert newcomer.held_for_review
    [email] = mail.outbox
    assert f"match {match.pk}" in email.body
    assert WORDS not in email.body and "Alice" not in email.body and "Bob" not in email.body
    assert f"/admin/safety/helprequest/{concern.pk}/change/?reason=safety" in email.body


def test_a_second_tap_alerts_nobody_again_but_may_add_the_message(
    match, crisis_message, mentor_client, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mentor_client.post(tell_url(match, crisis_message))
        mentor_client.post(tell_url(match, crisis_message), {"include_message": "on"})

    assert len(mail.outbox) == 1
    assert HelpRequest.objects.get().message == crisis_message


def test_telling_staff_works_only_for_the_peers_message_in_ones_own_match(
    match, crisis_message, newcomer_client
):
    stranger = NewcomerFactory()
    from django.test import Client

    stranger_client = Client()
    stranger_client.force_login(stranger.user)
    other_match = ActiveMatchFactory(newcomer=stranger)

    assert stranger_client.post(tell_url(match, crisis_message)).status_code == 404
    assert stranger_client.post(tell_url(other_match, crisis_message)).status_code == 404
    # Nobody raises a concern about their own message.
    assert newcomer_client.post(tell_url(match, crisis_message)).status_code == 404
    assert not HelpRequest.objects.exists()


def test_the_crisis_phrase_alert_opens_the_match_with_safety_chosen(staff_client, staff_user):
    match = ActiveMatchFactory()
    message = send_message(member=match.newcomer, match_id=match.pk, text="I want to die")
    mail.outbox.clear()
    alert_staff_of_crisis_phrase(message.pk)
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    reason_page = staff_client.get("/" + path)

    assert b"Why are you opening this record?" in reason_page.content
    assert re.search(rb'value="safety"[^>]*checked', reason_page.content)


def test_both_crisis_panels_link_to_the_programmes_resources(match, newcomer_client, mentor_client):
    sent = newcomer_client.post(send_url(match), {"text": WORDS}, **JSON).json()
    assert 'href="/resources/"' in sent["message"]["crisis_html"]

    html = mentor_client.get(page(match)).content.decode()
    panel = html[html.index('class="peer-crisis"') :].split("</li>\n</ul>")[0]
    panel = panel[: panel.index("</form>")] if "</form>" in panel else panel
    assert 'href="/resources/"' in panel
