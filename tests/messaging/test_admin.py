"""Staff never browse conversations: the admin shows counts and dates, never a message's text."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from messaging.models import Conversation, Message, MessagingSettings
from tests.audit_helpers import open_record
from tests.messaging.conversations import active_pair, talk

pytestmark = pytest.mark.django_db

SECRET_LINES = ["canary-private-line-one", "canary-private-line-two", "canary-private-line-3"]


def test_staff_edit_the_programmes_messaging_settings(staff_client):
    listing = staff_client.get(reverse("admin:messaging_messagingsettings_changelist"))
    assert listing.status_code == 302
    url = listing.url
    page = staff_client.get(url)
    assert page.status_code == 200
    for label in [b"crisis", b"first steps", b"(minutes)", b"alert staff"]:
        assert label in page.content.lower(), label

    response = staff_client.post(
        url,
        {
            "email_every_minutes": "45",
            "crisis_phrases": "want to die\nrelapse tonight",
            "alert_staff_on_crisis_phrase": "on",
            "first_steps": "Say hello",
        },
    )

    assert response.status_code == 302
    programme = MessagingSettings.get_solo()
    assert programme.email_every_minutes == 45
    assert MessagingSettings.lines(programme.crisis_phrases) == ["want to die", "relapse tonight"]
    assert programme.alert_staff_on_crisis_phrase is True
    assert MessagingSettings.objects.count() == 1


def test_the_conversation_admin_shows_counts_per_side_and_dates_only(staff_client):
    newcomer, mentor, match = active_pair()
    talk(match, *SECRET_LINES)  # newcomer, mentor, newcomer
    conversation = Conversation.objects.get(match=match)

    listing = staff_client.get(reverse("admin:messaging_conversation_changelist"))
    page = staff_client.get(reverse("admin:messaging_conversation_change", args=[conversation.pk]))

    for response in (listing, page):
        assert response.status_code == 200
        content = response.content.decode()
        assert reverse("admin:matching_match_change", args=[match.pk]) in content
        assert not any(line in content for line in SECRET_LINES)
        assert "Robin" not in content and "Casey" not in content
    counts = page.context["adminform"].form.instance
    assert (counts.newcomer_count, counts.mentor_count) == (2, 1)
    assert b'name="_save"' not in page.content, "read-only"
    assert staff_client.post(
        reverse("admin:messaging_conversation_delete", args=[conversation.pk])
    ).status_code in (302, 403)
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_there_is_no_admin_for_messages():
    assert Message not in admin.site._registry
    with pytest.raises(NoReverseMatch):
        reverse("admin:messaging_message_changelist")


def test_no_admin_list_or_record_page_shows_a_message(staff_client):
    """Every registered model's list, and the change page of each row, through the reason step.

    Only a report about a message shows messages; none is made here.
    """
    newcomer, mentor, match = active_pair()
    talk(match, *SECRET_LINES)
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        listing = staff_client.get(reverse("admin:{}_{}_changelist".format(*info)), follow=True)
        assert listing.status_code == 200, model
        assert not any(line.encode() in listing.content for line in SECRET_LINES), model
        for pk in model_admin.get_queryset(_staff_request(staff_client)).values_list(
            "pk", flat=True
        )[:20]:
            url = reverse("admin:{}_{}_change".format(*info), args=[pk])
            page = open_record(staff_client, url)
            assert page.status_code in (200, 302), url
            assert not any(line.encode() in page.content for line in SECRET_LINES), url


def _staff_request(client):
    from django.test import RequestFactory

    from members.models import User

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(email="coordinator@example.org")
    return request
