"""The programme dashboard as staff open it: who may, what it shows, and its query count."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import ReportRead
from bench.dashboard import seed_activity
from members.models import Member
from tests.factories import NewcomerFactory, UserFactory
from tests.queries import count_queries
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)

pytestmark = pytest.mark.django_db

PAGES = ["programme:dashboard", "programme:summary", "programme:pairings_csv"]
# The page's queries: the session and staff account, the admin's context, the
# programme's numbers and the audit row; the same at any size of programme.
MAX_QUERIES = 32


def staff_client_for(user) -> Client:
    """Sign `user` in as staff must: password, then their app's code."""
    secret = add_authenticator_app(with_verified_email(user))
    client = Client()
    sign_in(client, user.email)
    enter_code(client, current_code(secret))
    assert client.get("/admin/").status_code == 200
    return client


@pytest.fixture
def vetting_staff_client(db):
    """Staff who vet mentors but were not given the dashboard."""
    return staff_client_for(UserFactory(email="vetting@example.org", is_staff=True))


@pytest.fixture
def reporting_staff_client(db):
    """Staff given only the dashboard's permission."""
    user = UserFactory(email="reporting@example.org", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="programme", codename="view_dashboard")
    )
    return staff_client_for(user)


@pytest.mark.parametrize("name", PAGES)
def test_nobody_signed_in_is_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not ReportRead.objects.exists()


@pytest.mark.parametrize("name", PAGES)
def test_a_member_cannot_open_the_dashboard_or_its_reports(newcomer_client, name):
    response = newcomer_client.get(reverse(name))
    assert response.status_code in (302, 403)
    assert b"Newcomers waiting" not in response.content
    assert not ReportRead.objects.exists()


@pytest.mark.parametrize("name", PAGES)
def test_staff_without_the_dashboard_permission_get_403(vetting_staff_client, name):
    assert vetting_staff_client.get(reverse(name)).status_code == 403
    assert not ReportRead.objects.exists()


@pytest.mark.parametrize("name", PAGES)
def test_staff_with_the_permission_and_a_superuser_may_open_them(
    reporting_staff_client, staff_client, name
):
    assert reporting_staff_client.get(reverse(name)).status_code == 200
    assert staff_client.get(reverse(name)).status_code == 200


def test_the_dashboard_shows_who_waits_and_for_how_long(staff_client):
    now = timezone.now()
    for days in (2, 4, 10):
        newcomer = NewcomerFactory()
        Member.objects.filter(pk=newcomer.pk).update(created_at=now - datetime.timedelta(days=days))

    page = staff_client.get(reverse("programme:dashboard")).content.decode()

    assert "<dt>Newcomers waiting now</dt><dd>3</dd>" in page
    assert "<dt>Median wait</dt><dd>4 days</dd>" in page
    assert "<dt>Longest wait</dt><dd>10 days</dd>" in page


def test_the_dashboard_links_the_summary_and_both_csvs_for_its_period(staff_client):
    page = staff_client.get(
        reverse("programme:dashboard") + "?start=2026-01-05&end=2026-02-01"
    ).content.decode()
    assert "From <strong>5 January 2026</strong> to <strong>1 February 2026</strong>" in page
    assert f"{reverse('programme:summary')}?start=2026-01-05&amp;end=2026-02-01" in page
    assert "kind=matches&amp;start=2026-01-05&amp;end=2026-02-01" in page
    assert "kind=answers&amp;start=2026-01-05&amp;end=2026-02-01" in page


def test_each_chart_is_an_image_with_a_label_and_a_table_beside_it(staff_client):
    page = staff_client.get(reverse("programme:dashboard") + "?weeks=4").content.decode()
    assert page.count('role="img"') == 6
    assert 'aria-label="Requests answered per week. Totals over the period:' in page
    assert "<caption>Requests answered per week</caption>" in page
    assert page.count('<th scope="row">') >= 6 * 4  # a row per week in each table


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("?start=2026-02-01&end=2026-01-05", "start", "on or before the end date"),
        ("?start=2026-01-05", "end", "Give both a start and an end date"),
        ("?start=not-a-date&end=2026-01-05", "start", "Enter a valid date"),
        ("?start=2020-01-01&end=2026-01-05", "start", "at most three years"),
        ("?weeks=7", "weeks", "Select a valid choice"),
    ],
)
def test_a_bad_period_shows_the_fields_error_and_the_default_weeks(
    staff_client, query, field, message
):
    response = staff_client.get(reverse("programme:dashboard") + query)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}-errors"' in page
    assert message in page
    assert "(84 days)" in page


def test_an_end_date_in_the_future_is_refused(staff_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = staff_client.get(
        reverse("programme:dashboard") + f"?start=2026-01-05&end={tomorrow:%Y-%m-%d}"
    ).content.decode()
    assert "cannot be in the future" in page


def test_opening_the_dashboard_is_recorded_as_a_report_read(staff_client, staff_user):
    staff_client.get(reverse("programme:dashboard") + "?start=2026-01-05&end=2026-02-01")
    [read] = ReportRead.objects.all()
    assert (read.staff_user_id, read.kind) == (staff_user.pk, "dashboard")
    assert (read.period_start, read.period_end) == (
        datetime.date(2026, 1, 5),
        datetime.date(2026, 2, 1),
    )


def _dashboard_queries(client) -> int:
    return count_queries(client, reverse("programme:dashboard") + "?weeks=52", warm_up=False)


def test_the_dashboard_runs_the_same_queries_at_ten_times_the_demo_data(
    staff_client, django_assert_max_num_queries
):
    """The demo's 40 newcomers and 15 mentors, then 400 and 150, each with a year of
    activity: the page runs the same number of queries."""
    call_command("seed_demo", newcomers=40, mentors=15, stdout=io.StringIO())
    seed_activity(seed=1, now=timezone.now())
    with django_assert_max_num_queries(MAX_QUERIES):
        small = _dashboard_queries(staff_client)

    call_command("seed_demo", newcomers=400, mentors=150, stdout=io.StringIO())
    seed_activity(seed=2, now=timezone.now())
    assert Member.objects.filter(role="newcomer").count() >= 400
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _dashboard_queries(staff_client)

    assert large == small
