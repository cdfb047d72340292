"""The help-now page on a phone: the second step in reach, a clear "sent" state, and
words that fit the member's situation."""

from pathlib import Path

import pytest

from safety import services
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db

CSS = (Path(__file__).resolve().parents[2] / "static/css/peerlink.css").read_text()


def test_no_blank_screen_hides_tell_our_staff():
    rule = CSS[CSS.index(".help-now-resources {") :].split("}")[0]
    assert "min-height" not in rule
    assert "vh" not in rule


def test_after_sending_the_page_says_it_went_when_and_what_happens_next(newcomer_client):
    response = newcomer_client.post(
        "/help-now/", {"may_contact": "yes", "how_to_contact": "text me after 6"}, follow=True
    )

    page = response.content.decode()
    assert "Sent: our staff were told" in page
    assert "You told our staff at" in page
    assert "What happens next" in page
    assert "the way you asked: “text me after 6”" in page
    # The empty form is no longer the page's answer: it waits behind "Change your answers".
    assert page.index("Change your answers") < page.index('name="how_to_contact"')


def test_before_sending_the_form_is_there_with_no_sent_state(newcomer_client):
    page = newcomer_client.get("/help-now/").content.decode()

    assert "Sent: our staff were told" not in page
    assert 'name="how_to_contact"' in page


def test_the_pause_is_worded_for_someone_already_matched(newcomer, newcomer_client):
    ActiveMatchFactory(newcomer=newcomer)

    page = newcomer_client.get("/help-now/").content.decode()

    assert "You keep your peer mentor and your messages" in page
    assert "Pause new peer suggestions" not in page


def test_the_pause_is_worded_for_a_newcomer_still_looking(newcomer_client):
    page = newcomer_client.get("/help-now/").content.decode()

    assert "stop suggesting peers to ask" in page


def test_the_pause_is_worded_for_a_mentor(mentor, mentor_client):
    ActiveMatchFactory(mentor=mentor)
    services.help_request_create(member=mentor, may_contact=None, how_to_contact="")

    page = mentor_client.get("/help-now/").content.decode()

    assert "You keep your current matches and messages" in page
    assert "They did not say" not in page


def test_the_report_page_shows_the_programmes_crisis_lines_not_us_numbers(
    newcomer, newcomer_client, mentor, settings
):
    settings.PEERLINK_CRISIS_RESOURCES = [
        {"label": "Samaritans", "detail": "Call 116 123", "href": "tel:116123"}
    ]
    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)

    page = newcomer_client.get(f"/peers/{mentor.pk}/report/").content.decode()

    content = page.split("<main", 1)[-1].split("</main>")[0]
    assert 'href="tel:116123"' in content
    assert "911" not in content and "988" not in content


def test_the_held_members_export_does_not_say_that_their_peer_told_staff(
    newcomer, mentor, newcomer_client
):
    from messaging import services as messaging_services

    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    message = messaging_services.send_message(
        member=mentor, match_id=match.pk, text="I want to die"
    )
    services.peer_concern_raise(raised_by=newcomer, match=match, message_id=message.pk)
    from members.export import member_data_export

    held = member_data_export(mentor)
    raiser = member_data_export(newcomer)

    assert [row["reason"] for row in held["help_requests"]] == ["Held for staff review"]
    assert held["concerns_you_raised_with_staff"] == []
    assert raiser["concerns_you_raised_with_staff"][0]["match"] == match.pk
