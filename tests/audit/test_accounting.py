"""A member's own accounting of disclosures: peers and staff, over the last three years."""

import datetime
import json

import pytest
import time_machine
from django.urls import reverse

from audit import selectors
from audit.models import Disclosure, StaffRead
from audit.services import record_match_disclosures
from matching.models import MatchState
from tests.audit_helpers import open_record
from tests.factories import ActiveMatchFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNTING = reverse("audit:accounting")
NOW = datetime.datetime(2026, 12, 2, 15, 0, tzinfo=datetime.UTC)


def disclose(member, viewer, category, at, match=None):
    Disclosure.objects.create(
        member_id=member.pk,
        viewer_member_id=viewer.pk,
        category=category,
        match_id=getattr(match, "pk", None),
        first_visible_at=at,
    )


def read(staff, member, at, reason="safety", parts=("profile",)):
    StaffRead.objects.create(
        staff_user_id=staff.pk, member_id=member.pk, parts=list(parts), reason=reason, at=at
    )


@pytest.fixture
def history(newcomer, mentor, staff_user):
    """The newcomer's record: seen by their mentor and by staff, lately and long ago."""
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    disclose(
        newcomer,
        mentor,
        "share_pathways",
        datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC),
        match,
    )
    disclose(
        newcomer,
        mentor,
        "share_contact",
        datetime.datetime(2026, 3, 4, 18, 0, tzinfo=datetime.UTC),
        match,
    )
    old_peer = MentorFactory(display_name="Old-peer-4412")
    disclose(newcomer, old_peer, "share_bio", NOW - datetime.timedelta(days=3 * 365 + 2))
    read(staff_user, newcomer, datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC))
    read(staff_user, newcomer, NOW - datetime.timedelta(days=3 * 365 + 2), reason="audit")
    return match


def test_the_member_sees_which_peers_saw_what_since_when_and_which_staff_opened_it(
    history, newcomer, newcomer_client
):
    with time_machine.travel(NOW, tick=False):
        response = newcomer_client.get(ACCOUNTING)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bob" in page
    assert "Your recovery pathways" in page and "Your contact details" in page
    # In the member's own time zone (New York): 4 March 2026, 13:00.
    assert "since 4 March 2026, 13:00" in page
    assert "A staff member (coordinator) opened your profile on 30 November 2026, 18:30" in page
    assert "safety concern or report" in page


def test_rows_older_than_three_years_are_not_listed(history, newcomer):
    data = json.loads(json.dumps(selectors.accounting_for(newcomer, now=NOW)))

    assert [entry["peer"] for entry in data["peers"]] == ["Bob"]
    assert len(data["staff_reads"]) == 1
    assert [c["category"] for c in data["peers"][0]["categories"]] == [
        "share_pathways",
        "share_contact",
    ]


def test_a_peer_is_named_only_as_the_member_sees_them_now(history, newcomer, mentor):
    mentor.share_display_name = False
    mentor.save()
    assert selectors.accounting_for(newcomer, now=NOW)["peers"][0]["peer"] == "A peer"


def test_a_deleted_peer_or_staff_member_is_shown_without_a_name(newcomer):
    gone_peer, gone_staff = MentorFactory(), UserFactory(is_staff=True)
    disclose(newcomer, gone_peer, "share_bio", NOW)
    read(gone_staff, newcomer, NOW)
    gone_peer.user.delete()
    gone_staff.delete()

    data = selectors.accounting_for(newcomer, now=NOW)

    assert data["peers"][0]["peer"] == "A peer"
    assert data["staff_reads"][0]["staff"] == "A former staff member"


def test_another_member_sees_only_their_own_accounting(history, mentor_client):
    with time_machine.travel(NOW, tick=False):
        page = mentor_client.get(ACCOUNTING).content.decode()

    assert "Your recovery pathways" not in page
    assert "coordinator" not in page
    assert "No staff member has opened your record." in page


def test_the_accounting_is_linked_from_the_profile_and_needs_a_member(
    newcomer_client, client, staff_client
):
    assert ACCOUNTING in newcomer_client.get(reverse("members:profile")).content.decode()
    assert client.get(ACCOUNTING).status_code == 302
    assert staff_client.get(ACCOUNTING).status_code == 404


def test_a_request_then_a_staff_read_appear_in_the_accounting(newcomer, staff_client):
    match = ActiveMatchFactory(newcomer=newcomer, state=MatchState.AWAITING_MENTOR)
    record_match_disclosures(match)
    open_record(staff_client, reverse("admin:members_member_change", args=[newcomer.pk]))

    data = selectors.accounting_for(newcomer)
    assert data["peers"][0]["peer"] == match.mentor.display_name
    assert data["staff_reads"][0]["reason"] == "Reviewing a match"
    assert data["staff_reads"][0]["parts"] == ["Profile"]
