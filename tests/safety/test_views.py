"""The help-now page and the admin's list of holds."""

import pytest
from django.core import mail

from safety.models import HelpRequest
from tests.factories import NewcomerFactory

pytestmark = pytest.mark.django_db

CALM = "Our staff will be in touch. You can still reach the crisis lines any time."
SENT = "Sent: our staff were told"


def test_every_signed_in_page_has_an_i_need_help_now_link(newcomer_client):
    for url in ["/profile/", "/peers/", "/check-ins/"]:
        page = newcomer_client.get(url, follow=True).content.decode()
        assert 'href="/help-now/"' in page and "I need help now" in page


def test_the_help_page_shows_tap_to_call_resources_first(newcomer_client, settings):
    page = newcomer_client.get("/help-now/").content.decode()

    first_resource = settings.PEERLINK_CRISIS_RESOURCES[0]["href"]
    assert first_resource.startswith("tel:")
    assert page.index(f'href="{first_resource}"') < page.index("May our staff contact you?")


def test_asking_for_help_holds_the_member_and_alerts_staff(
    newcomer, newcomer_client, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = newcomer_client.post(
            "/help-now/", {"may_contact": "yes", "how_to_contact": "text me"}, follow=True
        )

    assert response.status_code == 200
    assert SENT in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.held_for_review
    assert HelpRequest.objects.get(member=newcomer).may_contact is True
    assert len(mail.outbox) == 1


def test_pressing_again_while_held_says_staff_already_know_and_does_not_alert_again(
    newcomer_client, newcomer, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        newcomer_client.post("/help-now/", {})
    with django_capture_on_commit_callbacks(execute=True):
        response = newcomer_client.post("/help-now/", {"may_contact": "no"}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Staff already know" in page
    assert "told them again" not in page
    assert HelpRequest.objects.filter(member=newcomer).count() == 1
    assert HelpRequest.objects.get(member=newcomer).may_contact is False
    assert len(mail.outbox) == 1


def test_an_overlong_contact_note_is_refused_and_nothing_is_held(newcomer_client, newcomer):
    response = newcomer_client.post("/help-now/", {"how_to_contact": "x" * 500})

    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert not newcomer.held_for_review


def test_a_forged_form_without_csrf_changes_nothing(newcomer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer.user)

    assert client.post("/help-now/", {"may_contact": "yes"}).status_code == 403
    newcomer.refresh_from_db()
    assert not newcomer.held_for_review


def test_a_held_newcomer_sees_a_calm_message_instead_of_suggestions(newcomer_client, mentor):
    newcomer_client.post("/help-now/", {})

    page = newcomer_client.get("/peers/").content.decode()
    assert CALM in page
    assert "Bob" not in page
    assert "blocked" not in page.lower()


def test_a_held_newcomer_asking_for_a_mentor_gets_the_calm_message(newcomer_client, mentor):
    newcomer_client.post("/help-now/", {})

    response = newcomer_client.post("/peers/request/", {"mentor": mentor.pk}, follow=True)

    assert CALM in response.content.decode()
    assert "blocked" not in response.content.decode().lower()


def test_other_members_cannot_see_or_clear_holds(newcomer, newcomer_client):
    other = NewcomerFactory()
    other_client = __import__("django.test").test.Client()
    other_client.force_login(other.user)
    newcomer_client.post("/help-now/", {"how_to_contact": "signal marker-7731"})
    request = HelpRequest.objects.get()

    for url in [
        "/admin/safety/helprequest/",
        f"/admin/safety/helprequest/{request.pk}/change/",
    ]:
        assert "marker-7731" not in other_client.get(url, follow=True).content.decode()
    other_client.post(f"/admin/safety/helprequest/{request.pk}/clear/", {"note": "done"})
    newcomer.refresh_from_db()
    assert newcomer.held_for_review
    # The help page shows another member nothing of this request.
    assert "marker-7731" not in other_client.get("/help-now/").content.decode()


def test_signed_out_people_see_the_resources_but_cannot_post(client):
    assert "tel:" in client.get("/help-now/").content.decode()
    response = client.post("/help-now/", {})
    assert response.status_code in (302, 404)
    assert not HelpRequest.objects.exists()


def test_held_members_are_on_the_needs_attention_page(newcomer, staff_client):
    from safety import services

    services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")

    page = staff_client.get("/admin/checkins/checkin/needs-attention/", follow=True).text
    assert "Asked for help now; held out of matching" in page
    assert newcomer.display_name in page
    assert "/admin/safety/helprequest/" in page
