import pytest
from django.urls import reverse

from matching.selectors import mentor_pool
from members.models import Member, VettingStatus
from tests.audit_helpers import open_record
from tests.factories import MentorFactory, NewcomerFactory, tag
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

MEMBER_LIST = reverse("admin:members_member_changelist")


def make_people(count: int):
    for _ in range(count):
        NewcomerFactory(tags=[tag("pathway-12-step"), tag("life_situation-grief")])
        MentorFactory(vetting_status=VettingStatus.PENDING)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?role__exact=mentor",
        "?vetting_status__exact=pending",
        "?languages__code__exact=en",
        "?q=Sam",
    ],
)
def test_member_list_runs_a_fixed_number_of_queries(staff_client, query):
    make_people(3)
    few = count_queries(staff_client, MEMBER_LIST + query)
    make_people(20)
    many = count_queries(staff_client, MEMBER_LIST + query)
    assert few == many
    assert many <= 12


def test_member_list_filters_by_role_vetting_and_tag(staff_client):
    NewcomerFactory(display_name="Newbie", tags=[tag("life_situation-veteran")])
    MentorFactory(display_name="Waiting", vetting_status=VettingStatus.PENDING)
    MentorFactory(display_name="Ready")

    def names(query):
        response = staff_client.get(MEMBER_LIST + query)
        return {member.display_name for member in response.context["cl"].result_list}

    assert names("?role__exact=mentor") == {"Waiting", "Ready"}
    assert names("?vetting_status__exact=pending&role__exact=mentor") == {"Waiting"}
    veteran = tag("life_situation-veteran")
    assert names(f"?tags__id__exact={veteran.pk}") == {"Newbie"}
    assert names("?q=Ready") == {"Ready"}


def test_staff_approve_a_mentor_and_the_decision_records_who_and_when(staff_client, staff_user):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    assert not mentor_pool().filter(pk=mentor.pk).exists()
    response = staff_client.post(
        MEMBER_LIST,
        {
            "action": "approve_mentors",
            "_selected_action": [mentor.pk],
        },
        follow=True,
    )
    assert "1 mentor(s) marked approved." in response.content.decode()
    mentor.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.APPROVED
    assert mentor.vetted_by == staff_user
    assert mentor.vetted_at is not None
    assert mentor_pool().filter(pk=mentor.pk).exists()


def test_rejecting_skips_newcomers_and_says_so(staff_client, staff_user):
    mentor = MentorFactory(vetting_status=VettingStatus.PENDING)
    newcomer = NewcomerFactory()
    response = staff_client.post(
        MEMBER_LIST,
        {
            "action": "reject_mentors",
            "_selected_action": [mentor.pk, newcomer.pk],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "1 mentor(s) marked not approved." in page
    assert "1 newcomer(s) skipped" in page
    mentor.refresh_from_db()
    newcomer.refresh_from_db()
    assert mentor.vetting_status == VettingStatus.REJECTED
    assert newcomer.vetted_at is None


def test_members_cannot_open_the_admin(newcomer_client):
    response = newcomer_client.get(MEMBER_LIST)
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_staff_manage_the_tag_taxonomy(staff_client):
    response = staff_client.post(
        reverse("admin:members_tag_add"),
        {
            "category": "life_situation",
            "name": "Shift work",
            "slug": "life-situation-shift-work",
            "description": "",
            "peer_phrase": "You both work shifts",
            "is_active": "on",
            "sort_order": "5",
        },
    )
    assert response.status_code == 302
    assert tag("life-situation-shift-work").peer_phrase == "You both work shifts"


def test_member_edit_page_opens_for_staff(staff_client, mentor):
    response = open_record(staff_client, reverse("admin:members_member_change", args=[mentor.pk]))
    assert response.status_code == 200
    assert Member.objects.count() == 1


def deleted_mentor(**fields) -> Member:
    from members import services

    mentor = MentorFactory(display_name="Riley-4410", **fields)
    services.delete_account(member=mentor)
    return Member.objects.get(pk=mentor.pk)


def test_the_member_list_marks_deleted_accounts_and_filters_by_them(staff_client):
    gone = deleted_mentor()
    active = MentorFactory(display_name="Sky-4410")

    listing = staff_client.get(MEMBER_LIST).content.decode()
    assert "Account" in listing
    row_of_gone = listing[listing.index(f"/{gone.pk}/change/") :]
    row_of_gone = row_of_gone[: row_of_gone.index("</tr>")]
    assert "Deleted" in row_of_gone
    row_of_active = listing[listing.index(f"/{active.pk}/change/") :]
    row_of_active = row_of_active[: row_of_active.index("</tr>")]
    assert "Deleted" not in row_of_active and "Active" in row_of_active

    only_deleted = staff_client.get(MEMBER_LIST, {"account": "deleted"}).content.decode()
    assert f"/{gone.pk}/change/" in only_deleted
    assert f"/{active.pk}/change/" not in only_deleted
    only_active = staff_client.get(MEMBER_LIST, {"account": "active"}).content.decode()
    assert f"/{active.pk}/change/" in only_active
    assert f"/{gone.pk}/change/" not in only_active


@pytest.mark.parametrize("value", ["word", "9" * 30, ""])
def test_an_unknown_account_filter_value_is_no_server_error(staff_client, value):
    MentorFactory()
    assert staff_client.get(MEMBER_LIST, {"account": value}).status_code == 200


def test_approving_skips_deleted_members_and_says_so(staff_client):
    gone = deleted_mentor(vetting_status=VettingStatus.PENDING)
    pending = MentorFactory(vetting_status=VettingStatus.PENDING)

    response = staff_client.post(
        MEMBER_LIST,
        {"action": "approve_mentors", "_selected_action": [gone.pk, pending.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "1 mentor(s) marked approved." in page
    assert "1 deleted account(s) skipped" in page
    gone.refresh_from_db()
    pending.refresh_from_db()
    assert gone.vetting_status == VettingStatus.PENDING and gone.vetted_by is None
    assert pending.vetting_status == VettingStatus.APPROVED
