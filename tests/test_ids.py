"""Ids from forms and addresses: anything that cannot be an id is refused plainly, never a 500."""

import pytest
from django.urls import reverse

from members.models import Member
from peerlink.ids import MAX_ID, parse_id
from tests.factories import tag

HUGE = "9" * 30


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        (42, 42),
        (" 7 ", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("0", None),
        ("-3", None),
        ("3.0", None),
        ("", None),
        ("seven", None),
        ("١٢", None),  # digits, but not ASCII ones
        (True, None),
        (None, None),
    ],
)
def test_parse_id_accepts_only_ids_the_database_can_hold(value, expected):
    assert parse_id(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("recovery", "pathways"),
        ("recovery", "substances"),
        ("experience", "life_situation"),
        ("experience", "community"),
    ],
)
@pytest.mark.parametrize("page", ["members:profile_edit", "members:onboarding_step"])
def test_a_tag_id_too_large_for_the_database_is_a_form_error(
    newcomer_client, newcomer, section, field, page
):
    newcomer.tags.set([tag("pathway-12-step")])
    url = reverse(page, args=[section])
    response = newcomer_client.post(url, {field: [HUGE]})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert list(Member.objects.get(pk=newcomer.pk).tags.all()) == [tag("pathway-12-step")]


@pytest.mark.parametrize("value", [HUGE, "seven"])
@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("admin:members_member_changelist", "approve_mentors"),
        ("admin:matching_match_changelist", "approve_pairings"),
        ("admin:checkins_checkin_changelist", "acknowledge_concerns"),
        ("admin:django_celery_beat_periodictask_changelist", "delete_selected"),
    ],
)
def test_an_admin_action_on_an_id_no_row_can_have_acts_on_nothing(
    staff_client, changelist, action, value
):
    response = staff_client.post(
        reverse(changelist), {"action": action, "_selected_action": [value]}, follow=True
    )

    assert response.status_code == 200
    assert "Items must be selected" in response.content.decode()
