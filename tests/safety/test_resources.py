"""The resources page: the programme's own words, open to everyone, safe whatever staff type."""

import pytest
from django.test import Client

from safety.models import ResourcesPage
from safety.resources import STARTER_TEXT, render_resources
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db


def test_anyone_signed_out_reads_the_starter_resources_and_the_crisis_lines():
    page = Client().get("/resources/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Naloxone" in text
    assert "Harm reduction basics" in text
    assert 'href="tel:988"' in text
    assert 'href="https://findtreatment.gov/"' in text


def test_the_starter_text_is_a_row_staff_can_edit():
    assert ResourcesPage.objects.get().text == STARTER_TEXT


def test_staff_replace_the_text_in_the_admin_and_members_see_it(staff_client, newcomer_client):
    url = f"/admin/safety/resourcespage/{ResourcesPage.objects.get().pk}/change/"
    response = staff_client.post(
        url, {"text": "## Our Tuesday group\n\n[Ring the office](tel:5550100)"}, follow=True
    )
    assert response.status_code == 200

    page = newcomer_client.get("/resources/").content.decode()
    assert "<h2>Our Tuesday group</h2>" in page
    assert '<a href="tel:5550100">Ring the office</a>' in page
    assert "Naloxone" not in page
    assert ResourcesPage.objects.get().updated_by.email == "coordinator@example.org"


def test_staff_see_a_preview_and_cannot_add_a_second_page_or_delete_it(staff_client):
    pk = ResourcesPage.objects.get().pk
    change = staff_client.get(f"/admin/safety/resourcespage/{pk}/change/").content.decode()
    assert "As members see it" in change
    assert "<h2>Naloxone (Narcan)</h2>" in change
    assert staff_client.get("/admin/safety/resourcespage/add/").status_code == 403
    assert staff_client.get(f"/admin/safety/resourcespage/{pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    "typed, never",
    [
        ("<script>alert(1)</script>", "<script>alert"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("[call us](javascript:alert(1))", 'href="javascript:'),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
        ("![pixel](https://tracker.example/p.gif)", "<img"),
        ('<a href="https://example.org" onclick="x()">hi</a>', 'onclick="x'),
    ],
)
def test_no_raw_html_or_script_link_survives_whatever_staff_type(typed, never):
    assert never not in render_resources(typed)


def test_a_top_level_heading_sits_under_the_page_title():
    assert render_resources("# Meetings").strip() == "<h2>Meetings</h2>"


def test_the_crisis_panel_and_the_footer_link_to_the_resources(newcomer_client):
    help_now = newcomer_client.get("/help-now/").content.decode()
    assert 'href="/resources/"' in help_now
    # The footer of every page, error pages included.
    missing = Client().get("/no-such-page/").content.decode()
    assert 'href="/resources/"' in missing


def test_the_page_reads_the_database_once(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert Client().get("/resources/").status_code == 200


def test_the_home_page_my_steps_and_every_check_in_link_to_the_resources():
    match = ActiveMatchFactory()
    client = Client()
    client.force_login(match.newcomer.user)

    for address in ("/me/", "/me/steps/", f"/check-ins/match/{match.pk}/"):
        page = client.get(address)
        assert page.status_code == 200, address
        assert 'href="/resources/"' in page.content.decode(), address
