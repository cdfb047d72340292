"""The members list as staff use it: each field for the role it belongs to, safe actions first."""

import pytest
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
