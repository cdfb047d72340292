"""Staff and holds: what the member asked for in words, open holds first, times in the
reader's zone, and one "Clear hold" with a required note, three clicks from the alert."""

import re

import pytest
from django.core import mail

from audit.models import ReadReason, StaffRead
from safety import services
from safety.models import HelpRequest
from tests.audit_helpers import REASON_QUESTION, give_reason, open_record
from tests.factories import NewcomerFactory

pytestmark = pytest.mark.django_db


def hold_url(hold):
    return f"/admin/safety/helprequest/{hold.pk}/change/"


def clear_url(hold):
    return f"/admin/safety/helprequest/{hold.pk}/clear/"


@pytest.fixture
def hold(newcomer):
    return services.help_request_create(
        member=newcomer, may_contact=True, how_to_contact="text me after 6"
    )


def test_the_hold_says_in_words_what_the_member_asked_for(hold, staff_client):
    page = open_record(staff_client, hold_url(hold), ReadReason.SAFETY).content.decode()

    assert "Yes: they asked staff to contact them." in page
    assert "text me after 6" in page
    assert "they did not say" not in page.lower()


def test_the_hold_page_has_one_clear_hold_action_and_no_save(hold, staff_client):
    page = open_record(staff_client, hold_url(hold), ReadReason.SAFETY).content.decode()

    assert clear_url(hold) in page and "Clear hold" in page
    assert 'name="_save"' not in page


def test_clearing_needs_a_note_and_keeps_who_when_and_the_note(
    hold, newcomer, staff_client, staff_user
):
    refused = staff_client.post(clear_url(hold), {"note": "  "})
    assert "Write what was done" in refused.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.held_for_review

    response = staff_client.post(clear_url(hold), {"note": "Called her, safe."}, follow=True)

    assert f"Hold {hold.pk} cleared at" in response.content.decode()
    hold.refresh_from_db()
    assert (hold.cleared_by, hold.cleared_note) == (staff_user, "Called her, safe.")
    assert hold.cleared_at is not None
    newcomer.refresh_from_db()
    assert not newcomer.held_for_review


def test_the_list_shows_the_holds_still_held_unless_asked_for_all(newcomer, staff_client):
    cleared = services.help_request_create(
        member=NewcomerFactory(), may_contact=None, how_to_contact=""
    )
    services.hold_clear(help_request_id=cleared.pk, staff_user=None, note="Done")
    held = HelpRequest.objects.create(member=newcomer, reason="help_now")

    listing = staff_client.get("/admin/safety/helprequest/").content.decode()
    everything = staff_client.get("/admin/safety/helprequest/?hold=all").content.decode()

    assert f"Hold {held.pk}" in listing and f"Hold {cleared.pk}" not in listing
    assert f"Hold {held.pk}" in everything and f"Hold {cleared.pk}" in everything


def test_times_show_in_the_programmes_zone_named(hold, staff_client, settings):
    settings.TIME_ZONE = "America/Chicago"

    page = open_record(staff_client, hold_url(hold), ReadReason.SAFETY).content.decode()

    assert "(America/Chicago)" in page


def test_a_cleared_hold_cannot_be_cleared_twice(hold, staff_client, staff_user):
    services.hold_clear(help_request_id=hold.pk, staff_user=staff_user, note="First")

    staff_client.post(clear_url(hold), {"note": "Second"})

    hold.refresh_from_db()
    assert hold.cleared_note == "First"


def test_from_the_alert_three_clicks_clear_the_hold_and_the_read_is_recorded(
    newcomer, staff_client, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hold = services.help_request_create(member=newcomer, may_contact=None, how_to_contact="")
    link = re.search(r"http\S+", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path

    asked = staff_client.get(path)
    assert REASON_QUESTION in asked.content
    assert re.search(rb'value="safety"[^>]*checked', asked.content)
    # Click 1: "Open the record" with the reason already chosen.
    opened = staff_client.get(give_reason(staff_client, path, ReadReason.SAFETY).url)
    assert StaffRead.objects.filter(
        staff_user_id=staff_user.pk, member_id=newcomer.pk, reason=ReadReason.SAFETY
    ).exists()
    # Click 2: "Clear hold"; click 3: confirm with the note.
    assert clear_url(hold) in opened.content.decode()
    assert staff_client.get(clear_url(hold)).status_code == 200
    staff_client.post(clear_url(hold), {"note": "Spoke on the phone."})

    newcomer.refresh_from_db()
    assert not newcomer.held_for_review


def test_a_peers_concern_shows_the_message_only_when_they_included_it(
    newcomer, mentor, staff_client
):
    from messaging import services as messaging_services
    from tests.factories import ActiveMatchFactory

    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    message = messaging_services.send_message(
        member=newcomer, match_id=match.pk, text="marker-5521 I want to die"
    )
    concern = services.peer_concern_raise(raised_by=mentor, match=match, message_id=message.pk)

    page = open_record(staff_client, hold_url(concern), ReadReason.SAFETY).content.decode()
    assert "marker-5521" not in page and "Not included." in page
    assert f"Match {match.pk}" in page and "Bob" in page

    services.peer_concern_raise(
        raised_by=mentor, match=match, message_id=message.pk, include_message=True
    )
    page = staff_client.get(hold_url(concern)).content.decode()
    assert "marker-5521" in page
