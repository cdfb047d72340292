"""The admin index by job: staff see the programme's pages first, then one section per job;
the site's internals are for superusers only, on the index and behind every address."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.staff_roles import COORDINATOR, client_for_staff, staff_in

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
INTERNALS = [
    "Authentication and Authorization",
    "Groups",
    "Access attempts",
    "Clocked",
    "Crontabs",
    "Solar events",
    "Intervals",
    "Periodic tasks",
    "Integration tokens",
    "Email addresses",
]
INTERNAL_PAGES = [
    reverse("admin:auth_group_changelist"),
    reverse("admin:members_user_changelist"),
    reverse("admin:axes_accessattempt_changelist"),
    reverse("admin:django_celery_beat_crontabschedule_changelist"),
    reverse("admin:django_celery_beat_periodictask_changelist"),
    reverse("admin:django_celery_beat_clockedschedule_add"),
    reverse("admin:api_integrationtoken_changelist"),
]


def section_names(page: str) -> list[str]:
    return [chunk.split("</caption>", 1)[0].strip() for chunk in page.split("<caption>")[1:]]


def section(page: str, name: str) -> str:
    start = page.index(f"<caption>{name}</caption>")
    return page[start : page.index("</table>", start)]


@pytest.fixture
def coordinator_client(db):
    return client_for_staff(staff_in(COORDINATOR))


def test_a_coordinator_sees_the_programme_first_then_a_section_per_job(coordinator_client):
    page = coordinator_client.get(INDEX).content.decode()

    assert section_names(page) == [
        "Programme",
        "Matching",
        "Members &amp; vetting",
        "Safety",
        "Check-ins",
        "Messages",
        "Content",
    ]
    programme = section(page, "Programme")
    assert f'href="{reverse("programme:dashboard")}">Programme dashboard</a>' in programme
    assert f'href="{reverse("programme:queue")}">Needs a person</a>' in programme
    matching = section(page, "Matching")
    for name in ("Matches", "Unmatched queue", "Batch runs", "Matching settings"):
        assert name in matching
    assert f'href="{reverse("admin:matching_match_queue")}"' in matching


def test_a_coordinator_sees_none_of_the_sites_internals(coordinator_client):
    page = coordinator_client.get(INDEX).content.decode()

    for name in INTERNALS:
        assert name not in page
    assert "Site internals" not in page


def test_the_sites_internals_stay_closed_even_to_staff_given_their_permissions(db):
    coordinator = staff_in(COORDINATOR)
    coordinator.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["auth", "django_celery_beat", "axes", "api"]
        )
    )
    client = client_for_staff(coordinator)

    for url in INTERNAL_PAGES:
        assert client.get(url).status_code == 403, url
    assert "Periodic tasks" not in client.get(INDEX).content.decode()


def test_a_superuser_sees_every_section_and_the_sites_internals(staff_client):
    page = staff_client.get(INDEX).content.decode()

    names = section_names(page)
    assert names[0] == "Programme"
    assert names[-1] == "Site internals (superusers)"
    for name in ("Matching", "Members &amp; vetting", "Safety", "Audit", "Content"):
        assert name in names
    internals = section(page, "Site internals (superusers)")
    for name in ("Groups", "Access attempts", "Crontabs", "Periodic tasks", "Users"):
        assert name in internals
    assert "Hold" in section(page, "Safety") and "Reports" in section(page, "Safety")
    for url in INTERNAL_PAGES:
        assert staff_client.get(url).status_code == 200, url


def test_the_side_menu_on_other_pages_follows_the_same_sections(coordinator_client):
    page = coordinator_client.get(reverse("admin:matching_match_changelist")).content.decode()

    assert f'href="{INDEX}#section-matching"' in page
    assert "Periodic tasks" not in page


def test_vetting_staff_see_only_their_section_with_the_mentors_waiting_for_review(db):
    from members.models import VettingStatus
    from tests.factories import MentorFactory, NewcomerFactory
    from tests.staff_roles import VETTING

    waiting = MentorFactory(display_name="Waiting-7731", vetting_status=VettingStatus.PENDING)
    MentorFactory(display_name="Approved-7731")
    NewcomerFactory(display_name="Newcomer-7731")
    client = client_for_staff(staff_in(VETTING))

    page = client.get(INDEX).content.decode()
    assert section_names(page) == ["Members &amp; vetting"]
    link = section(page, "Members &amp; vetting").split("Mentors waiting for review")[0]
    url = link.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")

    listing = client.get(url).content.decode()
    assert f"/{waiting.pk}/change/" in listing
    assert "Approved-7731" not in listing and "Newcomer-7731" not in listing
