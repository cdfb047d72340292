import datetime

import pytest
import time_machine
from django.urls import get_resolver, reverse

from matching.models import MatchState
from members.models import SHARING_CATEGORIES, ConsentRecord, Member
from tests.factories import ActiveMatchFactory, NewcomerFactory, tag
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

SHARING = reverse("members:profile_edit", args=["sharing"])
GRANTED_AT = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
REVOKED_AT = datetime.datetime(2026, 3, 9, 14, 30, tzinfo=datetime.UTC)


def sharing_post(member: Member, **changes) -> dict:
    """The sharing form as the member would submit it, with `changes` applied."""
    flags = {name: getattr(member, name) for name, _ in SHARING_CATEGORIES} | changes
    return {name: "on" for name, ticked in flags.items() if ticked} | {
        "contact_details": member.contact_details
    }


def records_of(member: Member) -> list[tuple[str, bool, str]]:
    return [
        (record.category, record.granted, record.source)
        for record in ConsentRecord.objects.filter(member=member).order_by("pk")
    ]


def test_first_save_records_every_category_then_only_the_changed_ones(newcomer_client, newcomer):
    newcomer_client.post(SHARING, sharing_post(newcomer))
    assert len(records_of(newcomer)) == len(SHARING_CATEGORIES)
    assert ("share_pathways", True, "profile") in records_of(newcomer)

    newcomer_client.post(SHARING, sharing_post(newcomer, share_bio=True, share_pathways=False))
    assert records_of(newcomer)[len(SHARING_CATEGORIES) :] == [
        ("share_pathways", False, "profile"),
        ("share_bio", True, "profile"),
    ]

    newcomer_client.post(SHARING, sharing_post(Member.objects.get(pk=newcomer.pk)))
    assert len(records_of(newcomer)) == len(SHARING_CATEGORIES) + 2, "nothing changed"


def test_sign_up_sharing_step_records_its_source(client):
    member = NewcomerFactory(onboarding_step=4, onboarded_at=None)
    client.force_login(member.user)
    response = client.post(
        reverse("members:onboarding_step", args=["sharing"]), sharing_post(member)
    )
    assert response.status_code == 302
    assert {source for _, _, source in records_of(member)} == {"sign-up"}


def test_revoking_hides_a_category_from_the_mentor_at_once_and_records_when(client):
    match = ActiveMatchFactory(
        newcomer=NewcomerFactory(tags=[tag("pathway-12-step")]), state=MatchState.AWAITING_MENTOR
    )
    newcomer, mentor = match.newcomer, match.mentor
    client.force_login(mentor.user)
    assert "12-step" in client.get(reverse("matching:inbox")).content.decode()

    client.force_login(newcomer.user)
    with time_machine.travel(GRANTED_AT, tick=False):
        client.post(SHARING, sharing_post(newcomer))
    with time_machine.travel(REVOKED_AT, tick=False):
        client.post(SHARING, sharing_post(newcomer, share_pathways=False))

    client.force_login(mentor.user)
    assert "12-step" not in client.get(reverse("matching:inbox")).content.decode()

    client.force_login(newcomer.user)
    page = client.get(reverse("members:profile")).content.decode()
    history = client.get(reverse("members:profile")).context["consent_history"]
    pathways = next(entry for entry in history if entry.category == "share_pathways")
    assert not pathways.shared
    assert pathways.since == REVOKED_AT
    assert [(r.granted, r.recorded_at) for r in pathways.records] == [
        (True, GRANTED_AT),
        (False, REVOKED_AT),
    ]
    assert "Not shared since 9 March 2026" in page


def test_revoking_the_name_hides_it_from_the_newcomer_with_an_active_match(client):
    match = ActiveMatchFactory(mentor__display_name="Robin")
    client.force_login(match.newcomer.user)
    assert "Robin" in client.get(reverse("matching:status")).content.decode()

    client.force_login(match.mentor.user)
    client.post(SHARING, sharing_post(match.mentor, share_display_name=False))

    client.force_login(match.newcomer.user)
    assert "Robin" not in client.get(reverse("matching:status")).content.decode()


def test_profile_shows_what_each_current_peer_sees(client):
    newcomer = NewcomerFactory(
        display_name="Kit", bio="Quiet mornings", share_bio=False, tags=[tag("pathway-12-step")]
    )
    ActiveMatchFactory(newcomer=newcomer, mentor__display_name="Robin")
    ActiveMatchFactory(newcomer=newcomer, mentor__display_name="Jordan", state=MatchState.ENDED)
    client.force_login(newcomer.user)

    peers = client.get(reverse("members:profile")).context["peers_see"]
    assert [(seen_by.display_name, sees.display_name) for seen_by, sees in peers] == [
        ("Robin", "Kit")
    ]
    assert ("Pathways", "12-step") in peers[0][1].detail_rows()
    page = client.get(reverse("members:profile")).content.decode()
    assert "Robin" in page
    assert "Jordan" not in page, "only current peers"

    client.post(SHARING, sharing_post(newcomer, share_pathways=False, share_bio=True))
    peers = client.get(reverse("members:profile")).context["peers_see"]
    rows = peers[0][1].detail_rows()
    assert ("About", "Quiet mornings") in rows
    assert not [label for label, _ in rows if label == "Pathways"]


def test_another_member_never_sees_someones_consent_history(client):
    match = ActiveMatchFactory(newcomer__display_name="Kit", mentor__display_name="Robin")
    client.force_login(match.newcomer.user)
    client.post(SHARING, sharing_post(match.newcomer, share_pathways=False))

    client.force_login(match.mentor.user)
    response = client.get(reverse("members:profile"), {"member": match.newcomer.pk})
    assert not [entry for entry in response.context["consent_history"] if entry.records]
    assert "Not shared since" not in response.content.decode()
    assert not [route for route in all_routes(get_resolver()) if "consent" in route]


def all_routes(resolver, prefix="") -> list[str]:
    """Every member-facing route and name (the staff admin aside)."""
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin"):
            continue
        if hasattr(pattern, "url_patterns"):
            routes += all_routes(pattern, route)
        else:
            routes.append(f"{route} {pattern.name or ''}")
    return routes


def test_staff_can_read_but_not_change_or_delete_consent_records(staff_client, newcomer):
    from members.services import consent_record_changes

    consent_record_changes(member=newcomer, before={}, source="profile")
    record = ConsentRecord.objects.filter(member=newcomer).first()
    assert staff_client.get(reverse("admin:members_consentrecord_changelist")).status_code == 200
    change = reverse("admin:members_consentrecord_change", args=[record.pk])
    page = staff_client.get(change)
    assert page.status_code == 200
    assert b'name="granted"' not in page.content
    staff_client.post(change, {"granted": "" if record.granted else "on", "source": "x"})
    assert staff_client.get(reverse("admin:members_consentrecord_add")).status_code == 403
    delete = reverse("admin:members_consentrecord_delete", args=[record.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert ConsentRecord.objects.get(pk=record.pk).granted == record.granted
    assert ConsentRecord.objects.get(pk=record.pk).source == record.source


def test_profile_with_many_peers_runs_a_fixed_number_of_queries(client, mentor):
    client.force_login(mentor.user)

    def profile_queries(peers: int) -> int:
        return count_queries(
            client,
            reverse("members:profile"),
            ok=lambda response: len(response.context["peers_see"]) == peers,
        )

    ActiveMatchFactory(mentor=mentor, newcomer__tags=[tag("pathway-12-step")])
    few = profile_queries(1)
    for _ in range(2):
        ActiveMatchFactory(mentor=mentor, newcomer__tags=[tag("pathway-12-step")])
    many = profile_queries(3)
    # One of them counts the requests waiting for the mentor, for the navigation badge.
    assert few == many <= 11


def test_a_mentor_is_not_shown_a_request_staff_have_not_approved_yet(client):
    match = ActiveMatchFactory(
        newcomer__display_name="Kit",
        mentor__display_name="Robin",
        state=MatchState.PENDING_APPROVAL,
    )
    client.force_login(match.mentor.user)
    response = client.get(reverse("members:profile"))
    assert response.context["peers_see"] == []
    assert "no open request or match" in response.content.decode()

    client.force_login(match.newcomer.user)
    peers = client.get(reverse("members:profile")).context["peers_see"]
    assert [(seen_by.display_name, sees.display_name) for seen_by, sees in peers] == [
        ("Robin", "A peer")
    ], "until staff approve, the mentor sees nothing of the newcomer"
