"""The members list as staff use it: each field for the role it belongs to, safe actions first."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from members.models import Member, VettingStatus
from tests.audit_helpers import open_record
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

MEMBER_LIST = reverse("admin:members_member_changelist")


def row_of(listing: str, member: Member) -> str:
    row = listing[listing.index(f"/{member.pk}/change/") :]
    return row[: row.index("</tr>")]


def test_approving_from_the_pending_list_counts_the_skipped_newcomers_right(staff_client):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    newcomer = NewcomerFactory()

    response = staff_client.post(
        MEMBER_LIST + "?vetting_status__exact=pending",
        {"action": "approve_mentors", "_selected_action": [mentor.pk, newcomer.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "1 mentor(s) marked approved." in page
    assert "1 newcomer(s) skipped" in page
    mentor.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.APPROVED


def test_approving_only_mentors_from_a_filtered_list_reports_no_skipped_newcomers(staff_client):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)

    response = staff_client.post(
        MEMBER_LIST + "?vetting_status__exact=pending&role__exact=mentor",
        {"action": "approve_mentors", "_selected_action": [mentor.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "1 mentor(s) marked approved." in page
    assert "skipped" not in page


def test_a_newcomer_shows_no_vetting_status_or_capacity_in_the_list(staff_client):
    newcomer = NewcomerFactory(display_name="Newbie")
    mentor = MentorFactory(display_name="Helper", vetting_status=VettingStatus.PENDING, capacity=4)

    listing = staff_client.get(MEMBER_LIST).content.decode()

    newcomer_row, mentor_row = row_of(listing, newcomer), row_of(listing, mentor)
    assert "Waiting for review" not in newcomer_row
    assert '<td class="field-mentor_capacity">–</td>' in newcomer_row
    assert '<td class="field-vetting">–</td>' in newcomer_row
    assert "Waiting for review" in mentor_row
    assert '<td class="field-mentor_capacity">4</td>' in mentor_row


def test_a_newcomers_record_has_no_mentor_section_and_a_mentors_has(staff_client):
    newcomer = NewcomerFactory()
    mentor = MentorFactory()

    newcomer_page = open_record(
        staff_client, reverse("admin:members_member_change", args=[newcomer.pk])
    ).content.decode()
    mentor_page = open_record(
        staff_client, reverse("admin:members_member_change", args=[mentor.pk])
    ).content.decode()

    assert 'name="capacity"' not in newcomer_page
    assert 'name="vetting_status"' not in newcomer_page
    assert 'name="capacity"' in mentor_page
    assert 'name="vetting_status"' in mentor_page


def action_labels(listing: str) -> list[str]:
    select = listing[listing.index('name="action"') :]
    select = select[: select.index("</select>")]
    return [
        option.split(">", 1)[1].split("<", 1)[0]
        for option in select.split("<option")[1:]
        if 'value=""' not in option
    ]


def test_the_first_bulk_action_approves_and_deleting_comes_last(staff_client):
    NewcomerFactory()

    labels = action_labels(staff_client.get(MEMBER_LIST).content.decode())

    assert labels[0] == "Approve selected mentors"
    assert labels[-1] == "Delete selected accounts, as a member would"
    assert "Delete selected members" not in labels


def test_staff_who_are_not_superusers_are_offered_no_deletion(db):
    from tests.staff_roles import VETTING, client_for_staff, staff_in

    NewcomerFactory()
    client = client_for_staff(staff_in(VETTING))

    labels = action_labels(client.get(MEMBER_LIST).content.decode())

    assert labels == ["Approve selected mentors", "Reject selected mentors"]


def test_deleting_accounts_from_the_list_asks_first_then_anonymises_them(staff_client):
    newcomer = NewcomerFactory(display_name="Robin-5521")
    chosen = {"action": "delete_accounts", "_selected_action": [newcomer.pk]}

    asked = staff_client.post(MEMBER_LIST, chosen).content.decode()

    assert "Delete 1 account(s)?" in asked and "cannot be undone" in asked
    newcomer.refresh_from_db()
    assert not newcomer.is_deleted

    response = staff_client.post(MEMBER_LIST, {**chosen, "confirm": "yes"}, follow=True)

    assert "1 account(s) deleted" in response.content.decode()
    entry = LogEntry.objects.get(object_id=str(newcomer.pk), content_type__model="member")
    assert entry.user.is_superuser and "Deleted the account" in entry.get_change_message()
    newcomer.refresh_from_db()
    assert newcomer.is_deleted
    assert newcomer.display_name != "Robin-5521"


def test_staff_who_are_not_superusers_cannot_delete_accounts_by_posting_the_action(db):
    from tests.staff_roles import VETTING, client_for_staff, staff_in

    newcomer = NewcomerFactory()
    client = client_for_staff(staff_in(VETTING))

    client.post(
        MEMBER_LIST,
        {"action": "delete_accounts", "_selected_action": [newcomer.pk], "confirm": "yes"},
    )

    newcomer.refresh_from_db()
    assert not newcomer.is_deleted
