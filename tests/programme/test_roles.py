"""The programme's staff roles: each group exists after migrate with the permissions
docs/operating.md documents, and each lets its job be done, and no more, in the admin."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from audit.models import ReadReason
from matching import services as matching_services
from matching.models import MatchingSettings, MatchState
from safety import services as safety_services
from tests.audit_helpers import REASON_QUESTION, open_record
from tests.factories import MentorFactory, NewcomerFactory
from tests.staff_roles import (
    COORDINATOR,
    REPORTING,
    SAFETY,
    VETTING,
    client_for_staff,
    staff_in,
)

pytestmark = pytest.mark.django_db

ROLES = [COORDINATOR, VETTING, SAFETY, REPORTING]
OPERATING_DOC = Path(settings.BASE_DIR) / "docs" / "operating.md"


def documented_permissions() -> dict[str, set[str]]:
    """Read each role's "Permissions:" paragraph from the staff roles section of the docs."""
    text = OPERATING_DOC.read_text().split("## Staff roles", 1)[1]
    documented = {}
    for block in text.split("\n### ")[1:]:
        name = block.splitlines()[0].strip()
        paragraph = block.split("Permissions:", 1)[1].split("\n\n", 1)[0]
        documented[name] = set(re.findall(r"`(\w+\.\w+)`", paragraph))
    return documented


def granted(group_name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_each_role_exists_after_migrate_with_the_documented_permissions():
    documented = documented_permissions()

    assert sorted(documented) == sorted(ROLES)
    for role in ROLES:
        assert granted(role) == documented[role], role


def test_reporting_and_vetting_are_given_nothing_beyond_their_job():
    assert granted(REPORTING) == {"programme.view_dashboard"}
    assert {p.split(".")[0] for p in granted(VETTING)} == {"members"}
    for role in ROLES:
        # Members are deleted through the deletion service, by superusers only.
        assert "members.delete_member" not in granted(role)
        assert not any(
            p.startswith(("auth.", "axes.", "django_celery_beat.")) for p in granted(role)
        )


def test_running_the_migration_again_puts_a_roles_permissions_back():
    migration = __import__("programme.migrations.0002_staff_groups", fromlist=["x"])
    coordinator = Group.objects.get(name=COORDINATOR)
    before = granted(COORDINATOR)
    coordinator.permissions.remove(Permission.objects.get(codename="view_dashboard"))
    coordinator.permissions.add(Permission.objects.get(codename="delete_member"))

    migration.create_staff_groups(apps, None)

    assert granted(COORDINATOR) == before
    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)


# --- Reporting (read only) -----------------------------------------------------------


def test_reporting_opens_the_dashboard_and_the_index_shows_only_it(db):
    client = client_for_staff(staff_in(REPORTING))

    assert client.get(reverse("programme:dashboard")).status_code == 200
    index = client.get(reverse("admin:index")).content.decode()
    assert "Programme dashboard" in index
    assert index.count("<caption>") == 1
    for name in ("Needs a person", "Members", "Matches", "Holds", "Reports", "Check-ins"):
        assert f">{name}</a>" not in index


def test_reporting_cannot_open_a_members_record_or_list(db):
    member = NewcomerFactory()
    client = client_for_staff(staff_in(REPORTING))

    record = client.get(reverse("admin:members_member_change", args=[member.pk]))

    assert record.status_code == 403
    assert REASON_QUESTION not in record.content
    assert client.get(reverse("admin:members_member_changelist")).status_code == 403
    assert client.get(reverse("admin:matching_match_changelist")).status_code == 403


# --- Coordinator ------------------------------------------------------------------


def test_a_coordinator_approves_a_pairing(db):
    programme = MatchingSettings.get_solo()
    programme.require_staff_approval = True
    programme.save()
    newcomer = NewcomerFactory()
    match = matching_services.match_request(
        newcomer=newcomer, mentor_ids=[MentorFactory().pk], user=newcomer.user
    )
    assert match.state == MatchState.PENDING_APPROVAL
    coordinator = staff_in(COORDINATOR)
    client = client_for_staff(coordinator)

    response = client.post(
        reverse("admin:matching_match_changelist"),
        {"action": "approve_pairings", "_selected_action": [match.pk]},
        follow=True,
    )

    assert "1 pairing(s) approved." in response.content.decode()
    match.refresh_from_db()
    assert match.state == MatchState.AWAITING_MENTOR
    assert match.approved_by == coordinator


def test_a_vetting_user_approves_a_mentor_and_sees_no_pairings(db):
    mentor = MentorFactory(vetting_status="pending")
    vetting = client_for_staff(staff_in(VETTING))

    response = vetting.post(
        reverse("admin:members_member_changelist"),
        {"action": "approve_mentors", "_selected_action": [mentor.pk]},
        follow=True,
    )

    assert "1 mentor(s) marked approved." in response.content.decode()
    assert vetting.get(reverse("admin:matching_match_changelist")).status_code == 403
    assert "Programme dashboard" not in vetting.get(reverse("admin:index")).content.decode()


# --- Safety ----------------------------------------------------------------------


def test_a_safety_user_opens_a_hold_and_clears_it(db):
    member = NewcomerFactory()
    hold = safety_services.help_request_create(
        member=member, may_contact=True, how_to_contact="call after 6"
    )
    client = client_for_staff(staff_in(SAFETY))
    hold_url = reverse("admin:safety_helprequest_change", args=[hold.pk])

    page = open_record(client, hold_url, ReadReason.SAFETY)

    assert page.status_code == 200
    assert "call after 6" in page.content.decode()
    response = client.post(
        reverse("admin:safety_helprequest_clear", args=[hold.pk]),
        {"note": "Called, safe."},
        follow=True,
    )
    assert f"Hold {hold.pk} cleared" in response.content.decode()
    member.refresh_from_db()
    assert not member.held_for_review


def test_a_safety_user_cannot_change_matching_rules_or_run_matching(db):
    client = client_for_staff(staff_in(SAFETY))

    assert client.get(reverse("admin:matching_batchrun_run")).status_code == 403
    settings_url = reverse(
        "admin:matching_matchingsettings_change", args=[MatchingSettings.get_solo().pk]
    )
    assert client.get(settings_url).status_code == 403
