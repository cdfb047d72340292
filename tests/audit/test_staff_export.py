"""Staff downloading a member's data for them: only after saying why, and recorded."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import ReadReason, StaffRead
from members import services as member_services
from members.models import Member
from tests.audit_helpers import REASON_QUESTION, give_reason, open_record
from tests.factories import NewcomerFactory, UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)

pytestmark = pytest.mark.django_db

BUTTON = b"Download this member's data"


def export_url(member_id) -> str:
    return reverse("admin:members_member_export", args=[member_id])


def change_url(member) -> str:
    return reverse("admin:members_member_change", args=[member.pk])


def marked_member() -> Member:
    return NewcomerFactory(
        user__email="quinn-5521@example.org",
        display_name="Quinn-5521",
        contact_details="signal-5521",
        bio="bio-5521",
    )


def staff_client_with(*permissions: str) -> Client:
    user = UserFactory(email="helper@example.org", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    secret = add_authenticator_app(with_verified_email(user))
    client = Client()
    sign_in(client, user.email)
    enter_code(client, current_code(secret))
    return client


def test_the_member_page_offers_a_download_that_posts(staff_client):
    member = marked_member()

    page = open_record(staff_client, change_url(member), ReadReason.MEMBER_ASKED)

    assert BUTTON in page.content
    html = page.content.decode()
    form_at = html.index(f'action="{export_url(member.pk)}"')
    assert 'method="post"' in html[html.rindex("<form", 0, form_at) : form_at + 200]
    assert "csrfmiddlewaretoken" in html[form_at : html.index("</form>", form_at)]


def test_after_the_reason_staff_get_the_members_export_and_one_read_is_recorded(
    staff_client, staff_user
):
    member = marked_member()
    give_reason(staff_client, change_url(member), ReadReason.MEMBER_ASKED)
    reads_before = StaffRead.objects.count()

    response = staff_client.post(export_url(member.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "5521" not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "quinn-5521@example.org"
    assert data["profile"]["display_name"] == "Quinn-5521"
    assert data["profile"]["contact_details"] == "signal-5521"
    new_reads = list(StaffRead.objects.order_by("pk")[reads_before:])
    assert [(r.member_id, r.parts, r.reason, r.staff_user_id) for r in new_reads] == [
        (member.pk, ["export"], "member_asked", staff_user.pk)
    ]


def test_without_a_reason_staff_are_sent_to_the_reason_step_and_nothing_is_served(
    staff_client,
):
    member = marked_member()
    other = NewcomerFactory()
    give_reason(staff_client, change_url(other), ReadReason.AUDIT)  # a reason for someone else

    response = staff_client.post(export_url(member.pk), follow=True)

    assert response.status_code == 200
    assert REASON_QUESTION in response.content
    assert b"5521" not in response.content
    assert StaffRead.objects.count() == 0


def test_a_link_cannot_download_it(staff_client):
    member = marked_member()
    give_reason(staff_client, change_url(member), ReadReason.MEMBER_ASKED)

    response = staff_client.get(export_url(member.pk))

    assert response.status_code == 405
    assert b"5521" not in response.content
    assert StaffRead.objects.filter(parts=["export"]).count() == 0


def test_a_forged_form_without_the_csrf_token_is_refused(staff_client):
    member = marked_member()
    give_reason(staff_client, change_url(member), ReadReason.MEMBER_ASKED)
    staff_client.handler.enforce_csrf_checks = True  # as a browser: the token is checked

    response = staff_client.post(export_url(member.pk))

    assert response.status_code == 403
    assert b"5521" not in response.content
    assert StaffRead.objects.filter(parts=["export"]).count() == 0


@pytest.mark.parametrize("who", ["anonymous", "newcomer"])
def test_people_who_are_not_staff_get_not_found(who, newcomer_client):
    member = marked_member()
    client = Client() if who == "anonymous" else newcomer_client

    response = client.post(export_url(member.pk))

    assert response.status_code == 404
    assert b"5521" not in response.content
    assert StaffRead.objects.count() == 0


@pytest.mark.parametrize("object_id", ["999999", "word", "9" * 30])
def test_a_member_that_does_not_exist_is_not_found(staff_client, object_id):
    response = staff_client.post(f"/admin/members/member/{object_id}/export/")
    assert response.status_code == 404
    assert StaffRead.objects.count() == 0


def test_staff_without_permission_on_members_cannot_download():
    member = marked_member()
    client = staff_client_with("view_staffread")

    response = client.post(export_url(member.pk))

    assert response.status_code == 403
    assert b"5521" not in response.content
    assert StaffRead.objects.count() == 0


def test_staff_who_may_only_view_members_can_download_after_the_reason():
    member = marked_member()
    client = staff_client_with("view_member")
    give_reason(client, change_url(member), ReadReason.MEMBER_ASKED)

    response = client.post(export_url(member.pk))

    assert response.status_code == 200
    assert json.loads(response.content)["profile"]["display_name"] == "Quinn-5521"
    assert StaffRead.objects.filter(member_id=member.pk, parts=["export"]).count() == 1


def test_a_deleted_members_export_works_and_names_nobody(staff_client):
    member = marked_member()
    member_services.delete_account(member=member)
    give_reason(staff_client, change_url(member), ReadReason.MEMBER_ASKED)

    response = staff_client.post(export_url(member.pk))

    assert response.status_code == 200
    text = response.content.decode()
    for personal in ("quinn", "Quinn", "5521"):
        assert personal not in text
    assert StaffRead.objects.filter(member_id=member.pk, parts=["export"]).count() == 1
