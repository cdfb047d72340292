import datetime

import pytest
import time_machine
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, CheckinSettings
from matching import services as matching_services
from tests.factories import MentorFactory, NewcomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def active_match():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    request = matching_services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)
    return matching_services.match_accept(match_id=request.pk, mentor=mentor)


def test_staff_acknowledge_a_concern_and_it_records_who(staff_client, staff_user):
    match = active_match()
    checkin = services.checkin_record(
        match_id=match.pk, author=match.newcomer, connected="no", concern=True, note="Worried"
    )
    changelist = reverse("admin:checkins_checkin_changelist")
    page = staff_client.get(changelist + "?concern_state=open")
    assert checkin in page.context["cl"].result_list
    staff_client.post(
        changelist, {"action": "acknowledge_concerns", "_selected_action": [checkin.pk]}
    )
    checkin.refresh_from_db()
    assert checkin.concern_acknowledged_by == staff_user
    assert not checkin.open_concern


def test_needs_attention_page_lists_a_match_with_an_open_concern(staff_client):
    match = active_match()
    services.checkin_record(match_id=match.pk, author=match.mentor, connected="yes", concern=True)
    response = staff_client.get(reverse("admin:checkins_attention"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("programme:queue")
    assert match.newcomer.display_name in page and "The mentor raised a concern" in page


def test_outbox_list_runs_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    url = reverse("admin:checkins_reminder_changelist")
    start = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)

    def add_reminders(count):
        with time_machine.travel(start, tick=False):
            for _ in range(count):
                active_match()
        with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
            services.reminders_create_due()

    add_reminders(2)
    staff_client.get(url)
    with django_assert_max_num_queries(11) as few:
        staff_client.get(url)
    add_reminders(10)
    with django_assert_max_num_queries(len(few)):
        response = staff_client.get(url)
    assert len(response.context["cl"].result_list) >= 20


def test_programme_cadence_is_edited_once_and_validated(staff_client):
    CheckinSettings.get_solo()
    url = reverse("admin:checkins_checkinsettings_change", args=[1])
    response = staff_client.post(
        url,
        {
            "first_after_days": "0",
            "every_days": "14",
            "quiet_start": "21:00",
            "quiet_end": "08:00",
            "link_valid_days": "14",
            "missed_in_a_row": "2",
        },
    )
    assert "first_after_days" in response.context["adminform"].form.errors
    assert CheckinSettings.get_solo().first_after_days == 7
    assert staff_client.get(reverse("admin:checkins_checkinsettings_add")).status_code == 403


def test_members_cannot_open_check_in_admin(newcomer_client):
    response = newcomer_client.get(reverse("admin:checkins_checkin_changelist"))
    assert response.status_code == 302
    assert CheckIn.objects.count() == 0


def test_acknowledging_goes_through_the_one_rule_and_says_what_was_already_done(
    staff_client, staff_user
):
    """The admin action acknowledges as the API does: a concern someone already
    acknowledged keeps who did it and when, and the message says so."""
    first, second, plain = active_match(), active_match(), active_match()
    open_concern = services.checkin_record(
        match_id=first.pk, author=first.newcomer, connected="no", concern=True
    )
    done_before = services.checkin_record(
        match_id=second.pk, author=second.mentor, connected="no", concern=True
    )
    colleague = UserFactory(email="colleague@example.org", is_staff=True)
    services.concern_acknowledge(checkin_id=done_before.pk, staff_user=colleague)
    acknowledged_at = CheckIn.objects.get(pk=done_before.pk).concern_acknowledged_at
    no_concern = services.checkin_record(match_id=plain.pk, author=plain.newcomer, connected="yes")

    response = staff_client.post(
        reverse("admin:checkins_checkin_changelist"),
        {
            "action": "acknowledge_concerns",
            "_selected_action": [open_concern.pk, done_before.pk, no_concern.pk],
        },
        follow=True,
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["1 concern acknowledged. 1 was already acknowledged and is left as it was."]
    open_concern.refresh_from_db()
    done_before.refresh_from_db()
    no_concern.refresh_from_db()
    assert open_concern.concern_acknowledged_by == staff_user
    assert (done_before.concern_acknowledged_by, done_before.concern_acknowledged_at) == (
        colleague,
        acknowledged_at,
    )
    assert no_concern.concern_acknowledged_at is None


def test_acknowledging_nothing_open_says_so(staff_client):
    match = active_match()
    checkin = services.checkin_record(match_id=match.pk, author=match.newcomer, connected="yes")
    response = staff_client.post(
        reverse("admin:checkins_checkin_changelist"),
        {"action": "acknowledge_concerns", "_selected_action": [checkin.pk]},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["None of the selected check-ins has a concern to acknowledge."]
