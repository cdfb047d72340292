"""Staff opening a member's record in the admin: asked why, and recorded every time."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import Disclosure, ReadReason, StaffRead
from checkins.models import CheckIn
from safety import services as safety_services
from safety.models import HelpRequest
from tests.audit_helpers import REASON_QUESTION, give_reason, open_record
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def reads():
    return list(StaffRead.objects.order_by("pk").values_list("member_id", "reason", "parts"))


def test_opening_a_member_asks_why_and_shows_nothing_of_them_first(staff_client):
    member = NewcomerFactory(display_name="Quinn-7731", bio="bio-marker-7731", share_bio=True)
    url = reverse("admin:members_member_change", args=[member.pk])

    response = staff_client.get(url)

    assert response.status_code == 200
    assert REASON_QUESTION in response.content
    assert b"7731" not in response.content
    assert StaffRead.objects.count() == 0


def test_member_page_writes_one_read_with_the_reason_chosen(staff_client, staff_user):
    member = NewcomerFactory(display_name="Quinn-7731")
    url = reverse("admin:members_member_change", args=[member.pk])

    give_reason(staff_client, url, ReadReason.VETTING)
    response = staff_client.get(url)

    assert b"Quinn-7731" in response.content
    assert reads() == [(member.pk, "vetting", ["profile"])]
    assert StaffRead.objects.get().staff_user_id == staff_user.pk


def test_each_later_view_is_recorded_and_the_reason_is_asked_again_after_half_an_hour(
    staff_client,
):
    member = NewcomerFactory()
    url = reverse("admin:members_member_change", args=[member.pk])
    open_record(staff_client, url, ReadReason.AUDIT)
    staff_client.get(url)
    assert len(reads()) == 2

    with time_machine.travel(datetime.timedelta(minutes=31)):
        response = staff_client.get(url)
    assert REASON_QUESTION in response.content
    assert len(reads()) == 2


def test_check_in_page_records_both_sides_and_the_concern(staff_client):
    match = ActiveMatchFactory()
    checkin = CheckIn.objects.create(
        match=match, author=match.newcomer, connected="tried", concern=True, note="note-7731"
    )
    url = reverse("admin:checkins_checkin_change", args=[checkin.pk])

    assert b"note-7731" not in staff_client.get(url).content
    response = open_record(staff_client, url, ReadReason.SAFETY)

    assert b"note-7731" in response.content
    assert sorted(reads()) == sorted(
        [
            (match.newcomer_id, "safety", ["check-ins", "concern"]),
            (match.mentor_id, "safety", ["check-ins", "concern"]),
        ]
    )


def test_report_page_records_the_reporter_and_the_reported(staff_client):
    match = ActiveMatchFactory()
    report = safety_services.report_create(
        reporter=match.newcomer, reported=match.mentor, text="report-7731"
    )
    url = reverse("admin:matching_report_change", args=[report.pk])

    assert b"report-7731" not in staff_client.get(url).content
    response = open_record(staff_client, url, ReadReason.SAFETY)

    assert b"report-7731" in response.content
    assert sorted(reads()) == sorted(
        [
            (match.newcomer_id, "safety", ["report", "check-ins"]),
            (match.mentor_id, "safety", ["report", "check-ins"]),
        ]
    )


def test_hold_page_records_the_member_and_the_list_shows_no_contact_text(staff_client):
    member = NewcomerFactory()
    hold = HelpRequest.objects.create(member=member, reason="help_now", how_to_contact="sig-7731")
    url = reverse("admin:safety_helprequest_change", args=[hold.pk])

    listing = staff_client.get(reverse("admin:safety_helprequest_changelist"))
    assert listing.status_code == 200 and b"sig-7731" not in listing.content
    assert b"sig-7731" not in staff_client.get(url).content
    response = open_record(staff_client, url, ReadReason.MEMBER_ASKED)

    assert b"sig-7731" in response.content
    assert reads() == [(member.pk, "member_asked", ["hold"])]


def test_match_page_with_its_check_ins_records_both_sides(staff_client):
    match = ActiveMatchFactory()
    url = reverse("admin:matching_match_change", args=[match.pk])

    open_record(staff_client, url, ReadReason.MATCH)

    assert sorted(reads()) == sorted(
        [
            (match.newcomer_id, "match", ["match", "check-ins"]),
            (match.mentor_id, "match", ["match", "check-ins"]),
        ]
    )


@pytest.mark.parametrize("reason", ["", "gossip"])
def test_a_missing_or_unknown_reason_asks_again_and_records_nothing(staff_client, reason):
    member = NewcomerFactory(display_name="Quinn-7731")
    url = reverse("admin:members_member_change", args=[member.pk])

    response = give_reason(staff_client, url, reason)

    assert response.status_code == 200
    assert REASON_QUESTION in response.content
    assert b"Quinn-7731" not in response.content
    assert StaffRead.objects.count() == 0
    assert REASON_QUESTION in staff_client.get(url).content


@pytest.mark.parametrize("object_id", ["999999", "word", "9" * 30])
def test_a_record_that_does_not_exist_is_no_server_error(staff_client, object_id):
    response = staff_client.get(f"/admin/members/member/{object_id}/change/", follow=True)
    assert response.status_code == 200
    assert StaffRead.objects.count() == 0


def test_members_cannot_open_records_or_give_a_reason(newcomer_client):
    other = NewcomerFactory(display_name="Quinn-7731")
    url = reverse("admin:members_member_change", args=[other.pk])
    for response in (newcomer_client.get(url, follow=True), give_reason(newcomer_client, url)):
        assert b"Quinn-7731" not in response.content
    assert StaffRead.objects.count() == 0


def test_the_admin_offers_no_add_change_or_delete_of_audit_rows(staff_client, staff_user):
    member = MentorFactory()
    StaffRead.objects.create(staff_user_id=staff_user.pk, member_id=member.pk, reason="audit")
    Disclosure.objects.create(member_id=member.pk, viewer_member_id=1, category="share_bio")

    for model in ("staffread", "disclosure"):
        row = (StaffRead if model == "staffread" else Disclosure).objects.get()
        listing = staff_client.get(reverse(f"admin:audit_{model}_changelist"))
        assert listing.status_code == 200
        assert b'name="action"' not in listing.content
        assert staff_client.get(reverse(f"admin:audit_{model}_add")).status_code == 403
        delete_url = reverse(f"admin:audit_{model}_delete", args=[row.pk])
        assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
        change = staff_client.get(reverse(f"admin:audit_{model}_change", args=[row.pk]))
        assert change.status_code == 200
        assert b'name="_save"' not in change.content and b"deletelink" not in change.content
    assert StaffRead.objects.count() == 1 and Disclosure.objects.count() == 1


@pytest.mark.parametrize("query", ["word", "9" * 30, "-1", "12"])
def test_searching_audit_rows_by_id_never_fails(staff_client, query):
    response = staff_client.get(reverse("admin:audit_staffread_changelist"), {"q": query})
    assert response.status_code == 200
